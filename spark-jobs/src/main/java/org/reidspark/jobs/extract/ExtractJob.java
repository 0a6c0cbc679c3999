package org.reidspark.jobs.extract;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.DecodeConfig;
import org.reidspark.data.Split;
import org.reidspark.data.shard.BadImagesError;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.eval.TestFeatures;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.evaluate.SparkEmbedding;
import org.reidspark.jobs.shard.ShardRows;
import org.reidspark.jobs.shard.ShardSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;
import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * {@code extract}: embeds every image of an image prefix ({@code reid.extract.input}, listed recursively for
 * {@code .jpg}, {@code .jpeg} and {@code .png}), of a Parquet manifest's {@code uri} column
 * ({@code reid.extract.manifest}) or of a published shard set's chosen splits ({@code reid.extract.shards}: the images
 * it stores, decoded and resized once when it was made, are embedded without reading or decoding any image file) with a
 * published training run's model ({@code reid.extract.model}, read by {@link TrainedModel}; its own {@code reid.input}
 * fixes the preprocessing) and publishes {@code embeddings.parquet}
 * ({@code uri, embedding array<float>, model_run_id, dims}) and {@code unreadable.parquet} ({@code uri, reason}).
 *
 * <p>The sorted, distinct uris are cut into a fixed number of contiguous partitions, or a shard set's are taken one
 * partition per shard ({@link ExtractPlan}, recorded in {@code plan.json}); each partition is one Spark task writing
 * its own files ({@link PartitionExtractor}, {@link ExtractFiles}). The output is a run directory kept under its
 * incomplete name until every partition is done: a rerun after a crash redoes only the partitions without a
 * {@code done/} marker, and refuses to resume with another model, input list, partition count or flip setting.
 * {@code extract.json}, {@code config.conf} and {@code run.json} are written and the directory published
 * ({@link RunDirectory}) only when all partitions are complete.
 */
public final class ExtractJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(ExtractJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The output's layout version, in {@code extract.json}. */
    static final int FORMAT = 1;
    /** File name endings listed as images under a prefix (lower-cased before the test). */
    static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png");

    @Override
    public String name() {
        return "extract";
    }

    @Override
    public String summary() {
        return "embed every image of a prefix or manifest with a trained model into embeddings.parquet (resumable)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--model", "RUN", "reid.extract.model", "published training run whose model embeds"),
                JobOption.config("--input", "PREFIX", "reid.extract.input",
                        "images to embed: a folder, s3a://... or hdfs://... listed recursively (.jpg, .jpeg, .png)"),
                JobOption.config("--manifest", "PARQUET", "reid.extract.manifest",
                        "or: a Parquet table with a uri column, e.g. a shard set's manifest.parquet"),
                JobOption.config("--shards", "SET", "reid.extract.shards",
                        "or: a published shard set, its stored images embedded as they are (no decoding), one partition per shard"),
                JobOption.config("--splits", "A,B", "reid.extract.splits", "with --shards: the splits (train, query, gallery; default all)"),
                JobOption.config("--output", "PATH", "reid.extract.output", "where the embeddings are published"),
                JobOption.config("--partitions", "N", "reid.extract.partitions",
                        "partitions (tasks) of the input list (0 = one per reid.extract.images-per-partition images)"),
                JobOption.config("--batch-size", "N", "reid.embed.batch-size", "images per inference batch"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        ExtractConfig config = ExtractConfig.from(ctx.config());
        Storage storage = ctx.storage();
        S3Config s3 = ctx.s3();
        TrainedModel model = explained("open the model run", config.model(), s3, () -> TrainedModel.open(storage, config.model()));
        RunConfig target = config.target(ctx.run());
        String where = new Path(Storage.path(target.output()), target.name()).toString();
        if (!target.overwrite() && explained("check the output", where, s3, () -> RunDirectory.isPublished(storage, Storage.path(where)))) {
            throw new IOException("extract output " + where + " already exists; choose another "
                    + (config.output().isEmpty() ? "reid.run.name" : "reid.extract.output")
                    + " or set reid.run.overwrite=true to replace it");
        }
        SparkSession[] spark = new SparkSession[1];
        Supplier<SparkSession> session = () -> {
            if (spark[0] == null) spark[0] = SparkSessions.create(ctx);
            return spark[0];
        };
        try {
            List<PartitionExtractor.Task> tasks;
            List<String> uris;
            if (!config.shards().isBlank()) {
                ShardSet set = explained("open the shard set", config.shards(), s3, () -> ShardSet.open(storage, config.shards()));
                checkShardSet(set, model);
                tasks = shardTasks(storage, set, config.chosenSplits());
                uris = tasks.stream().flatMap(t -> Arrays.stream(t.uris())).toList();
            } else {
                Map<String, ListedObject> listed = config.input().isBlank() ? Map.of()
                        : explained("list the image prefix", config.input(), s3, () -> listImageObjects(storage, config.input()));
                uris = config.input().isBlank()
                        ? readManifest(session.get(), config.manifest(), s3)
                        : new ArrayList<>(listed.keySet());
                tasks = fileTasks(uris, listed, config.partitionsFor(uris.size()));
            }
            if (uris.isEmpty()) {
                throw new IOException("no images to embed in " + config.source()
                        + (config.input().isBlank() ? "" : " (looked for " + String.join(", ", IMAGE_SUFFIXES) + " files)")
                        + (config.shards().isBlank() ? "" : " (splits " + config.chosenSplits().stream().map(Split::lower).toList() + ")"));
            }
            boolean flip = ctx.config().getBoolean("reid.embed.flip");
            ExtractPlan plan = ExtractPlan.of(model.runId(), config.source(), uris, tasks.size(), flip);
            checkResumable(storage, s3, RunDirectory.incomplete(storage, target), plan);
            try (RunDirectory dir = explained("create the output", where, s3,
                    () -> RunDirectory.create(storage, target, ctx.config(), name())).keepOnFailure()) {
                if (!storage.exists(dir.resolve(ExtractFiles.PLAN))) dir.writeJson(ExtractFiles.PLAN, plan.toMap());
                Map<String, Object> info = extract(ctx, session, model, plan, tasks, dir, config);
                dir.writeJson(ExtractFiles.SUMMARY, info);
                dir.info("extract", Map.of("modelRunId", model.runId(), "images", plan.images(),
                        "partitions", plan.partitions(), "partitionsThisAttempt", info.get("partitionsThisAttempt")));
                Path published = dir.publish();
                ctx.out().println(String.format(Locale.ROOT,
                        "extract: OK, %d of %d images embedded (%d dims, model %s), %d unreadable (listed in %s); "
                                + "partitions: %d run now, %d done by an earlier attempt; published %s",
                        (long) info.get("embedded"), plan.images(), (int) info.get("dims"), model.runId(),
                        (long) info.get("unreadable"), ExtractFiles.UNREADABLE, (int) info.get("partitionsThisAttempt"),
                        plan.partitions() - (int) info.get("partitionsThisAttempt"), published));
            }
        } finally {
            if (spark[0] != null) SparkSessions.stop(spark[0]);
        }
        return 0;
    }

    /**
     * Runs the partitions ({@code tasks}, partition k at index k) not yet complete in {@code dir}, checks that the
     * complete output adds up to the input, and returns the facts for {@code extract.json}.
     */
    private static Map<String, Object> extract(JobContext ctx, Supplier<SparkSession> session, TrainedModel model,
                                               ExtractPlan plan, List<PartitionExtractor.Task> tasks,
                                               RunDirectory dir, ExtractConfig config)
            throws IOException {
        Storage storage = ctx.storage();
        Path work = dir.work();
        Set<Integer> complete = complete(storage, work, plan.partitions());
        List<PartitionExtractor.Task> todo = tasks.stream().filter(t -> !complete.contains(t.partition())).toList();
        InputConfig input = InputConfig.from(model.config());
        LOG.info("extract: {} images from {} in {} partitions with model {} ({}, input {}x{}); {} partitions to do, {} done by an"
                        + " earlier attempt", plan.images(), plan.source(), plan.partitions(), model.runId(), model.location(),
                input.height(), input.width(), todo.size(), complete.size());
        SparkSession spark = session.get();
        long stageStart = System.nanoTime();
        List<PartitionExtractor.Outcome> outcomes = todo.isEmpty() ? List.of() : run(spark, todo, model, plan, dir, ctx, config);
        double stageSeconds = (System.nanoTime() - stageStart) / 1e9;

        Set<Integer> now = complete(storage, work, plan.partitions());
        if (now.size() != plan.partitions()) {
            throw new IOException("extract: only " + now.size() + " of " + plan.partitions() + " partitions are complete in "
                    + work + " after the run; run the job again to finish the rest");
        }
        removeTemporaryFiles(storage, work);
        // this run's partitions count as their tasks wrote them; the others (complete before this run, or a part too
        // large for its task to write its NumPy pair) are counted from their footers by the last pass, which writes the
        // NumPy pairs missing or disagreeing with them
        long embedded = 0;
        long unreadable = 0;
        Set<Integer> counted = new HashSet<>();
        for (PartitionExtractor.Outcome o : outcomes) {
            if (config.npy() && !o.npy()) continue;
            embedded += o.embedded();
            unreadable += o.unreadable();
            counted.add(o.partition());
        }
        List<Integer> pass = new ArrayList<>();
        for (int k = 0; k < plan.partitions(); k++) if (!counted.contains(k)) pass.add(k);
        if (!pass.isEmpty()) {
            long[] counts = NpyExport.run(JavaSparkContext.fromSparkContext(spark.sparkContext()), work, pass, config.npy());
            embedded += counts[0];
            unreadable += counts[1];
        }
        if (embedded + unreadable != plan.images()) {
            throw new IOException("extract: the partitions in " + work + " hold " + embedded + " embeddings and " + unreadable
                    + " unreadable images, not the " + plan.images() + " images of the input; delete " + work + " to start over");
        }
        LOG.info("extract: {} embedded, {} unreadable", embedded, unreadable);
        checkBadFraction(spark, work, unreadable, plan.images(), config.maxBadFraction());

        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", FORMAT);
        info.put("model", model.location().toString());
        info.put("modelRunId", model.runId());
        info.put("method", model.method().name());
        Map<String, Integer> widths = widths(model, input);
        info.put("dims", widths.get(TestFeatures.EMBEDDING));
        info.put("features", widths);
        info.put("inputKind", config.inputKind());
        if (!config.shards().isBlank()) info.put("splits", config.chosenSplits().stream().map(Split::lower).toList());
        info.putAll(plan.toMap());
        info.put("height", input.height());
        info.put("width", input.width());
        info.put("batchSize", ctx.config().getInt("reid.embed.batch-size"));
        info.put("embedded", embedded);
        info.put("unreadable", unreadable);
        info.put("partitionsThisAttempt", todo.size());
        info.put("partitionsCountedFromFiles", pass.size());
        info.put("stageSeconds", stageSeconds);
        info.put("embeddings", ExtractFiles.EMBEDDINGS);
        info.put("unreadableImages", ExtractFiles.UNREADABLE);
        if (config.npy()) info.put("npy", NpyExport.FOLDER);
        return info;
    }

    /**
     * A prefix's or manifest's sorted uris cut into {@code partitions} contiguous partitions ({@link ExtractPlan#start}),
     * each with what an S3A listing said of its objects ({@code listed}; empty for a manifest: the tasks then open each
     * object as it is, and for other file systems the values are null).
     */
    static List<PartitionExtractor.Task> fileTasks(List<String> uris, Map<String, ListedObject> listed, int partitions) {
        List<PartitionExtractor.Task> out = new ArrayList<>();
        for (int k = 0; k < partitions; k++) {
            String[] part = uris.subList(ExtractPlan.start(k, uris.size(), partitions),
                    ExtractPlan.start(k + 1, uris.size(), partitions)).toArray(String[]::new);
            out.add(new PartitionExtractor.Task(k, part, listed.isEmpty() ? null
                    : Arrays.stream(part).map(listed::get).toArray(ListedObject[]::new)));
        }
        return out;
    }

    /**
     * A shard set's images as partitions, one per non-empty shard of each chosen split (in split order, then shard),
     * from its manifest: the shard's uris in key order, those it could not decode with its reason
     * ({@link StoredShard}). A uri listed under two splits is embedded once, in its first partition.
     */
    static List<PartitionExtractor.Task> shardTasks(Storage storage, ShardSet set, List<Split> splits) throws IOException {
        List<String> names = splits.stream().map(Split::lower).toList();
        Map<String, TreeMap<Integer, TreeMap<Long, ShardSet.Entry>>> bySplit = new LinkedHashMap<>();
        for (String n : names) bySplit.put(n, new TreeMap<>());
        for (ShardSet.Entry e : set.entries(storage)) {
            TreeMap<Integer, TreeMap<Long, ShardSet.Entry>> split = bySplit.get(e.split());
            if (split != null) split.computeIfAbsent(e.shard(), k -> new TreeMap<>()).put(e.key(), e);
        }
        Set<String> seen = new java.util.HashSet<>();
        List<PartitionExtractor.Task> out = new ArrayList<>();
        for (var split : bySplit.entrySet()) {
            for (var shard : split.getValue().entrySet()) {
                List<String> uris = new ArrayList<>();
                List<String> problems = new ArrayList<>();
                for (ShardSet.Entry e : shard.getValue().values()) {
                    if (!seen.add(e.uri())) continue;
                    uris.add(e.uri());
                    problems.add(ShardRows.OK.equals(e.status()) ? null
                            : e.problem() == null ? "not stored in the shard set (status " + e.status() + ")" : e.problem());
                }
                if (uris.isEmpty()) continue;
                String folder = new Path(set.location(), ShardSet.SHARDS + "/split=" + split.getKey() + "/shard=" + shard.getKey()).toString();
                out.add(new PartitionExtractor.Task(out.size(), uris.toArray(String[]::new), null,
                        new StoredShard(folder, problems.toArray(String[]::new))));
            }
        }
        return out;
    }

    /** Refuses a shard set whose stored images are not what the model takes: its image size and alpha rule. */
    private static void checkShardSet(ShardSet set, TrainedModel model) throws IOException {
        InputConfig input = InputConfig.from(model.config());
        String alpha = set.info().path("alpha").asText(input.alpha());
        if (set.height() != input.height() || set.width() != input.width() || !alpha.equals(input.alpha())) {
            throw new IOException("shard set " + set.location() + " (reid.extract.shards) stores its images at " + set.height()
                    + "x" + set.width() + " with alpha rule \"" + alpha + "\"; the model " + model.runId() + " takes "
                    + input.height() + "x" + input.width() + " with \"" + input.alpha() + "\". Embed its image files instead"
                    + " (reid.extract.manifest = " + new Path(set.location(), ShardSet.MANIFEST) + "), or shard the data again with"
                    + " the model's reid.input");
        }
    }

    /**
     * Fails, publishing nothing, when more than {@code maxBadFraction} of the images are unreadable; the complete
     * partitions stay in the incomplete output, so a rerun with a higher fraction publishes them without embedding again.
     */
    private static void checkBadFraction(SparkSession spark, Path work, long unreadable, int images, double maxBadFraction) {
        double fraction = unreadable / (double) images;
        if (fraction <= maxBadFraction) return;
        List<String> examples = new ArrayList<>();
        for (Row r : spark.read().parquet(new Path(work, ExtractFiles.UNREADABLE).toString()).orderBy("uri").limit(5).collectAsList()) {
            examples.add(r.getString(0) + " (" + r.getString(1) + ")");
        }
        throw new BadImagesError(String.format(Locale.ROOT, "%d of %d images (%.2f%%) could not be decoded; "
                        + "reid.extract.max-bad-fraction = %s allows at most %d. Nothing is published; the embedded partitions "
                        + "stay in %s: rerun with a higher reid.extract.max-bad-fraction to publish them, or fix the images and "
                        + "delete it. Unreadable images (all in %s there): %s%s", unreadable, images, 100 * fraction,
                maxBadFraction, (long) Math.floor(maxBadFraction * images), work, ExtractFiles.UNREADABLE,
                String.join(", ", examples), unreadable > examples.size() ? ", ..." : ""));
    }

    /**
     * Embeds {@code todo} on the executors, one task per partition, with a progress line (partitions, images, rate, ETA);
     * returns what each task did.
     */
    private static List<PartitionExtractor.Outcome> run(SparkSession spark, List<PartitionExtractor.Task> todo,
                                                        TrainedModel model, ExtractPlan plan, RunDirectory dir,
                                                        JobContext ctx, ExtractConfig config) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SparkEmbedding.Settings embedding = new SparkEmbedding.Settings(InputConfig.from(model.config()),
                LoaderConfig.from(ctx.config()), EmbedConfig.from(ctx.config()));
        PartitionExtractor.Settings settings = new PartitionExtractor.Settings(dir.work().toString(), model.runId(),
                embedding, DecodeConfig.from(ctx.config()), model.testNetwork().arrays(), plan.partitions(), todo.size(),
                config.lanes(), config.faultPartition(), config.npy(), config.npyBuffer() / Float.BYTES);
        Broadcast<TestModel> network = jsc.broadcast(model.portable());
        long[] perPartition = todo.stream().mapToLong(t -> t.uris().length).toArray();
        try (SparkProgress progress = SparkProgress.open(spark.sparkContext(), "extract", "partitions", todo.size(),
                java.util.Arrays.stream(perPartition).sum(), perPartition)) {
            List<PartitionExtractor.Outcome> outcomes = jsc.parallelize(todo, todo.size())
                    .map(t -> PartitionExtractor.run(t, settings, network.value()))
                    .collect();
            double seconds = outcomes.stream().mapToDouble(PartitionExtractor.Outcome::seconds).sum();
            int images = outcomes.stream().mapToInt(PartitionExtractor.Outcome::images).sum();
            LOG.info("extract: {} partitions, {} images in {} task-seconds", outcomes.size(), images,
                    String.format(Locale.ROOT, "%.1f", seconds));
            return outcomes;
        } finally {
            network.destroy();
        }
    }

    /** Partitions with a {@code done/} marker and both of their Parquet files. */
    static Set<Integer> complete(Storage storage, Path work, int partitions) throws IOException {
        return PartitionedWork.complete(storage, work, partitions, List.of(ExtractFiles.EMBEDDINGS, ExtractFiles.UNREADABLE));
    }

    /** Deletes the hidden files that failed task attempts left (their partitions have since been completed). */
    private static void removeTemporaryFiles(Storage storage, Path work) throws IOException {
        PartitionedWork.removeTemporaryFiles(storage, work, List.of(ExtractFiles.EMBEDDINGS, ExtractFiles.UNREADABLE, NpyExport.FOLDER));
    }

    /** Refuses to resume an incomplete output that was started with another plan. */
    private static void checkResumable(Storage storage, S3Config s3, Path incomplete, ExtractPlan plan) throws IOException {
        PartitionedWork.checkResumable(storage, s3, incomplete, "extract", "reid.extract.output",
                earlier -> ExtractPlan.fromJson(earlier).differences(plan),
                differences -> "the incomplete extraction in " + incomplete + " was started with "
                        + String.join("; ", differences) + ". Resuming would mix embeddings of different runs: rerun with the"
                        + " same model, input and settings, or delete " + incomplete + " (or choose another reid.extract.output)"
                        + " to start over");
    }

    /** Every image file below {@code prefix}, as sorted, qualified uris; hidden files and folders ('.', '_') are skipped. */
    public static List<String> listImages(Storage storage, String prefix) throws IOException {
        return new ArrayList<>(listImageObjects(storage, prefix).keySet());
    }

    /**
     * {@link #listImages}'s uris, sorted, each with what an S3A listing said of its object ({@link ListedObject#of}; null
     * values for other file systems).
     */
    static SortedMap<String, ListedObject> listImageObjects(Storage storage, String prefix) throws IOException {
        Path root = Storage.path(prefix);
        FileSystem fs = storage.fs(root);
        root = fs.makeQualified(root);
        int depth = root.depth();
        SortedMap<String, ListedObject> out = new TreeMap<>();
        int skipped = 0;
        for (FileStatus st : Storage.listFiles(fs, root)) {
            Path p = st.getPath();
            if (hidden(p, depth)) continue;
            String lower = p.getName().toLowerCase(Locale.ROOT);
            if (IMAGE_SUFFIXES.stream().anyMatch(lower::endsWith)) {
                out.put(p.toString(), ListedObject.of(st));
            } else {
                skipped++;
            }
        }
        if (skipped > 0) LOG.info("extract: ignored {} files below {} that are not {} images", skipped, root, IMAGE_SUFFIXES);
        return out;
    }

    /** True when {@code p} or a folder between it and the listed root (at {@code rootDepth}) starts with '.' or '_'. */
    private static boolean hidden(Path p, int rootDepth) {
        for (Path q = p; q != null && q.depth() > rootDepth; q = q.getParent()) {
            String n = q.getName();
            if (n.startsWith(".") || n.startsWith("_")) return true;
        }
        return false;
    }

    /** The distinct uris of a Parquet manifest's {@code uri} column, sorted. */
    static List<String> readManifest(SparkSession spark, String manifest, S3Config s3) throws IOException {
        Dataset<Row> table;
        try {
            table = spark.read().parquet(Storage.path(manifest).toString());
        } catch (RuntimeException e) {
            throw new IOException("cannot read the manifest " + manifest + (manifest.startsWith("s3a:")
                    ? " through S3 endpoint " + (s3.endpoint().isEmpty() ? "(AWS's default)" : s3.endpoint()) + " (reid.s3.endpoint)"
                    : "") + ": " + e.getMessage(), e);
        }
        StructField uri = Arrays.stream(table.schema().fields()).filter(f -> f.name().equals("uri")).findFirst()
                .orElseThrow(() -> new IOException("manifest " + manifest + " has no uri column (its columns: "
                        + String.join(", ", table.columns()) + ")"));
        if (!uri.dataType().equals(DataTypes.StringType)) {
            throw new IOException("manifest " + manifest + ": column uri is " + uri.dataType().simpleString() + ", not a string");
        }
        List<String> out = new ArrayList<>(table.where(col("uri").isNotNull()).select("uri").distinct()
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        out.sort(null);
        return out;
    }

    /** The width of each of the model's test-feature arrays: one forward pass of a blank image. */
    private static Map<String, Integer> widths(TrainedModel model, InputConfig input) {
        Map<String, Integer> out = new LinkedHashMap<>();
        model.testNetwork().forward(Nd4j.zeros(1, 3, input.height(), input.width()))
                .forEach((name, a) -> out.put(name, (int) a.size(1)));
        return out;
    }
}
