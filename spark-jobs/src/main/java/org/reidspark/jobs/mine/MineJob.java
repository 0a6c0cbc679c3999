package org.reidspark.jobs.mine;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.extract.ExtractFiles;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.method.paul.CyclicRanking;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * {@code mine}: PAUL's cyclic-ranking negative mining (https://arxiv.org/abs/1904.01308, CVPR 2019, section 3.3) over
 * a whole set of embeddings, this project's extension of the official in-batch mining ({@link CyclicRanking#global}).
 *
 * <p><b>Input.</b> A published {@code extract} output ({@code reid.mine.embeddings}): its {@code embeddings.parquet}
 * ({@code uri, embedding array<float>, model_run_id}); or a PAUL training checkpoint ({@code reid.mine.checkpoint}):
 * its image memory's rows with an entry, named by {@code reid.data}'s training images ({@link MemoryEmbeddings}). The
 * keys are the uris, sorted (Java string order); an image's index is its key's position, so "ties by the lower index"
 * is "ties by key order".
 *
 * <p><b>Neighbours, on the executors.</b> The embeddings are read to the driver ({@code 4 N D} bytes) and broadcast;
 * the sorted keys are cut into {@code reid.mine.partitions} contiguous ranges, one Spark task each
 * ({@link MinePartition}): the task's anchors, in blocks of {@code reid.mine.block-size}, are multiplied with the set
 * one tile of {@code block-size} rows at a time (ND4J gemm) and each anchor keeps a bounded heap of its
 * {@code k = max(walk, nearest - 1)} nearest ({@link org.reidspark.method.paul.NearestNeighbours}); the N x N matrix
 * never exists. An executor holds the broadcast set twice (the on-heap broadcast value and its off-heap ND4J copy,
 * {@code 8 N D} bytes: 1.6 GB for 100,000 x 2048-d) plus, per running task, {@code 4 b D + 8 b^2 + 12 b k} bytes
 * ({@code b} = block size). Sets that do not fit an executor twice are out of this job's reach (a partitioned set,
 * tiles read from storage, would lift that bound; not done).
 *
 * <p><b>The walk, on the driver.</b> The neighbour lists ({@code N k} ints and doubles: 23 MB for MSMT17's 126,441
 * images at k = 15) are collected and {@link CyclicRanking#global} runs on the driver, single-threaded; it reads only
 * the lists, so it is O(N k nearest).
 *
 * <p><b>Output</b>, a run directory ({@link RunDirectory}: kept as {@code ._incomplete-<name>} until published):
 * {@code negatives.parquet} ({@code key, negative_key, rank} = the negative's 1-based place in the anchor's neighbour
 * list, {@code distance} = Euclidean; one row per anchor that has a negative, in key order), {@code mining.json}
 * (counts, settings, and with {@code reid.mine.labels} the fraction of negatives of another identity, measured only),
 * {@code plan.json}, {@code neighbours.parquet/} and {@code done/} ({@link PartitionedWork}: a rerun after a crash
 * redoes only the partitions without a marker, and refuses another input or cut), {@code config.conf},
 * {@code run.json}.
 *
 * <p><b>Exactness.</b> The lists are the brute-force ones ({@link CyclicRanking#neighbourLists}) whenever the float
 * distances are exact (e.g. small integer coordinates); otherwise float rounding may swap neighbours whose distances
 * differ by less than about 1e-7 of the norms. The result never depends on the partitioning; the block size is part of
 * the plan.
 */
public final class MineJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(MineJob.class);
    /** The output's layout version, in {@code mining.json}. */
    static final int FORMAT = 1;
    public static final String NEGATIVES = "negatives.parquet";
    public static final String SUMMARY = "mining.json";
    /** Rows of {@code negatives.parquet}. */
    static final MessageType NEGATIVES_SCHEMA = Types.buildMessage()
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("key")
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("negative_key")
            .required(INT32).named("rank")
            .required(DOUBLE).named("distance")
            .named("negative_row");

    @Override
    public String name() {
        return "mine";
    }

    @Override
    public String summary() {
        return "PAUL's cyclic-ranking negatives over a whole extract output (exact blockwise neighbours; resumable)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--embeddings", "PATH", "reid.mine.embeddings", "the published extract output to mine"),
                JobOption.config("--checkpoint", "DIR", "reid.mine.checkpoint",
                        "or a PAUL training checkpoint whose image memory is mined (images named by reid.data)"),
                JobOption.config("--output", "PATH", "reid.mine.output", "where negatives.parquet and mining.json are published"),
                JobOption.config("--walk", "N", "reid.mine.walk", "candidates walked per anchor, nearest first (official 15)"),
                JobOption.config("--nearest", "R", "reid.mine.nearest", "top-r test, the candidate counted (official 3)"),
                JobOption.config("--block-size", "N", "reid.mine.block-size", "anchors per block and set rows per gemm tile"),
                JobOption.config("--partitions", "N", "reid.mine.partitions",
                        "partitions (tasks) of the sorted keys (0 = one per reid.mine.anchors-per-partition)"),
                new JobOption("--labels", null, "reid.mine.labels",
                        "measure the fraction of negatives of another identity with reid.data's catalog (not used to mine)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        MineConfig config = MineConfig.from(ctx.config());
        Storage storage = ctx.storage();
        S3Config s3 = ctx.s3();
        Path input = Storage.path(config.source());
        boolean fromCheckpoint = config.embeddings().isBlank();
        if (!fromCheckpoint && !explained("open the embeddings", config.embeddings(), s3, () -> RunDirectory.isPublished(storage, input))) {
            throw new IOException(config.embeddings() + " is not a published extract output (no " + RunDirectory.MARKER
                    + "); run the extract job first, or let it finish");
        }
        RunConfig target = config.target(ctx.run());
        String where = new Path(Storage.path(target.output()), target.name()).toString();
        if (!target.overwrite() && explained("check the output", where, s3, () -> RunDirectory.isPublished(storage, Storage.path(where)))) {
            throw new IOException("mine output " + where + " already exists; choose another "
                    + (config.output().isEmpty() ? "reid.run.name" : "reid.mine.output")
                    + " or set reid.run.overwrite=true to replace it");
        }
        // the identities, for measurement only, before Spark starts: a bad reid.data fails early
        Map<String, Integer> identities = config.labels() ? identities(ctx) : null;
        // a checkpoint's memory is read on the driver, named by reid.data's training images, before Spark starts
        Embeddings memory = fromCheckpoint ? MemoryEmbeddings.read(ctx, config.checkpoint()) : null;
        SparkSession spark = SparkSessions.create(ctx);
        try {
            Embeddings set = fromCheckpoint ? memory : read(spark, new Path(input, ExtractFiles.EMBEDDINGS).toString(), config.embeddings());
            if (set.keys().size() < 2) throw new IOException(config.source() + " holds " + set.keys().size() + " embeddings; mining needs 2 or more");
            int partitions = config.partitionsFor(set.keys().size());
            MinePlan plan = new MinePlan(config.source(), String.join(",", set.modelRunIds()), set.keys().size(),
                    MinePlan.keysSha256(set.keys()), sha256(set.rows()), set.dims(), config.neighbours(), config.blockSize(), partitions);
            Path incomplete = RunDirectory.incomplete(storage, target);
            PartitionedWork.checkResumable(storage, s3, incomplete, "mine", "reid.mine.output",
                    earlier -> MinePlan.fromJson(earlier).differences(plan),
                    differences -> "the incomplete mining output in " + incomplete + " was started with "
                            + String.join("; ", differences) + ". Resuming would mix neighbour lists of different sets: rerun"
                            + " with the same embeddings and settings, or delete " + incomplete
                            + " (or choose another reid.mine.output) to start over");
            try (RunDirectory dir = explained("create the output", where, s3,
                    () -> RunDirectory.create(storage, target, ctx.config(), name())).keepOnFailure()) {
                if (!storage.exists(dir.resolve(PartitionedWork.PLAN))) dir.writeJson(PartitionedWork.PLAN, plan.toMap());
                Path work = dir.work();
                long t0 = System.nanoTime();
                int ran = neighbours(spark, storage, work, plan, set, config);
                double searchSeconds = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                Lists lists = collect(spark, work, plan);
                int[] negatives = config.ranking().global(lists.neighbours());
                double walkSeconds = (System.nanoTime() - t1) / 1e9;
                Map<String, Object> info = write(storage, dir, set.keys(), lists, negatives, identities, config, plan);
                info.put("partitionsThisAttempt", ran);
                info.put("searchSeconds", searchSeconds);
                info.put("walkSeconds", walkSeconds);
                dir.writeJson(SUMMARY, info);
                dir.info("mine", Map.of("images", plan.images(), "found", info.get("found"), "partitions", partitions,
                        "partitionsThisAttempt", ran));
                Path published = dir.publish();
                ctx.out().println(String.format(Locale.ROOT,
                        "mine: OK, %d of %d images have a negative (%d without; walk %d, nearest %d, %d neighbours kept)%s;"
                                + " partitions: %d run now, %d done by an earlier attempt; published %s",
                        (long) info.get("found"), plan.images(), (long) info.get("none"), config.walk(), config.nearest(),
                        config.neighbours(), identities == null ? "" : String.format(Locale.ROOT,
                                "; %.1f%% of the labelled negatives are another identity (nearest neighbours: %.1f%%)",
                                100 * (double) info.get("differentIdentityFraction"),
                                100 * (double) info.get("nearestDifferentIdentityFraction")),
                        ran, partitions - ran, published));
            }
        } finally {
            SparkSessions.stop(spark);
        }
        return 0;
    }

    /** The embeddings in key order. */
    record Embeddings(List<String> keys, List<String> modelRunIds, int dims, float[] rows) {
    }

    /** Neighbour lists of every image, by index, and their distances. */
    record Lists(int[][] neighbours, double[][] distances) {
    }

    /** Reads {@code embeddings.parquet}: keys sorted and distinct, one row of {@code dims} floats each. */
    static Embeddings read(SparkSession spark, String location, String source) throws IOException {
        Dataset<Row> table;
        try {
            table = spark.read().parquet(location);
        } catch (RuntimeException e) {
            throw new IOException("cannot read " + location + ": " + e.getMessage(), e);
        }
        column(table, "uri", DataTypes.StringType, location);
        column(table, "embedding", DataTypes.createArrayType(DataTypes.FloatType, false), location);
        column(table, "model_run_id", DataTypes.StringType, location);
        List<String> keys = new ArrayList<>(table.select("uri").as(Encoders.STRING()).collectAsList());
        keys.sort(null);
        for (int i = 1; i < keys.size(); i++) {
            if (keys.get(i).equals(keys.get(i - 1))) {
                throw new IOException(source + ": the key " + keys.get(i) + " has more than one embedding row");
            }
        }
        List<String> runs = new ArrayList<>(new TreeSet<>(table.select("model_run_id").distinct().as(Encoders.STRING()).collectAsList()));
        Map<String, Integer> index = new HashMap<>(keys.size() * 2);
        for (int i = 0; i < keys.size(); i++) index.put(keys.get(i), i);
        int dims = -1;
        float[] rows = null;
        Iterator<Row> it = table.select("uri", "embedding").toLocalIterator();
        while (it.hasNext()) {
            Row r = it.next();
            List<Float> e = r.getList(1);
            if (dims < 0) {
                dims = e.size();
                if (dims < 1) throw new IOException(source + ": the embedding of " + r.getString(0) + " is empty");
                rows = new float[Math.multiplyExact(keys.size(), dims)];
            } else if (e.size() != dims) {
                throw new IOException(source + ": the embedding of " + r.getString(0) + " has " + e.size() + " values, others " + dims);
            }
            int o = index.get(r.getString(0)) * dims;
            for (int q = 0; q < dims; q++) {
                float v = e.get(q);
                if (!Float.isFinite(v)) throw new IOException(source + ": the embedding of " + r.getString(0) + " holds " + v);
                rows[o + q] = v;
            }
        }
        return new Embeddings(keys, runs, Math.max(dims, 0), rows == null ? new float[0] : rows);
    }

    private static void column(Dataset<Row> table, String name, DataType type, String location) throws IOException {
        StructField f = Arrays.stream(table.schema().fields()).filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new IOException(location + " has no " + name + " column (its columns: "
                        + String.join(", ", table.columns()) + "); expected the extract job's embeddings.parquet"));
        boolean same = f.dataType() instanceof ArrayType a && type instanceof ArrayType b
                ? a.elementType().equals(b.elementType()) : f.dataType().equals(type);
        if (!same) {
            throw new IOException(location + ": column " + name + " is " + f.dataType().simpleString() + ", not " + type.simpleString());
        }
    }

    /** Runs the partitions without a marker; returns how many ran. */
    private static int neighbours(SparkSession spark, Storage storage, Path work, MinePlan plan, Embeddings set, MineConfig config)
            throws IOException {
        List<String> folders = List.of(MinePartition.NEIGHBOURS);
        Set<Integer> complete = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        List<MinePartition.Task> todo = new ArrayList<>();
        for (int k = 0; k < plan.partitions(); k++) {
            if (!complete.contains(k)) todo.add(new MinePartition.Task(k, plan.start(k), plan.start(k + 1)));
        }
        LOG.info("mine: {} images of {} dims in {} partitions, block {}, {} neighbours each; {} partitions to do, {} done by an"
                        + " earlier attempt", plan.images(), plan.dims(), plan.partitions(), plan.blockSize(), plan.neighbours(),
                todo.size(), complete.size());
        if (!todo.isEmpty()) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            MinePartition.Settings settings = new MinePartition.Settings(work.toString(), plan.neighbours(), plan.blockSize(),
                    plan.partitions(), config.faultPartition());
            Broadcast<MinePartition.Set> shared = jsc.broadcast(new MinePartition.Set(plan.images(), plan.dims(), set.rows()));
            long[] perPartition = todo.stream().mapToLong(t -> t.to() - t.from()).toArray();
            try (SparkProgress progress = SparkProgress.open(spark.sparkContext(), "mine", "partitions", todo.size(),
                    Arrays.stream(perPartition).sum(), perPartition)) {
                List<MinePartition.Outcome> outcomes = jsc.parallelize(todo, todo.size())
                        .map(t -> MinePartition.run(t, settings, MinePartition.set(shared.value())))
                        .collect();
                LOG.info("mine: {} partitions in {} task-seconds", outcomes.size(),
                        String.format(Locale.ROOT, "%.1f", outcomes.stream().mapToDouble(MinePartition.Outcome::seconds).sum()));
            } finally {
                shared.destroy();
                MinePartition.release();
            }
        }
        Set<Integer> now = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        if (now.size() != plan.partitions()) {
            throw new IOException("mine: only " + now.size() + " of " + plan.partitions() + " partitions are complete in "
                    + work + " after the run; run the job again to finish the rest");
        }
        PartitionedWork.removeTemporaryFiles(storage, work, folders);
        return todo.size();
    }

    /** Every anchor's neighbour list, from the partitions' files; each anchor exactly once. */
    private static Lists collect(SparkSession spark, Path work, MinePlan plan) throws IOException {
        int[][] lists = new int[plan.images()][];
        double[][] distances = new double[plan.images()][];
        Iterator<Row> it = spark.read().parquet(new Path(work, MinePartition.NEIGHBOURS).toString())
                .select("anchor", "neighbours", "distances").toLocalIterator();
        int rows = 0;
        while (it.hasNext()) {
            Row r = it.next();
            int a = r.getInt(0);
            if (a < 0 || a >= plan.images() || lists[a] != null) {
                throw new IOException("mine: anchor " + a + " is out of range or listed twice in " + work + "; delete it to start over");
            }
            List<Integer> n = r.getList(1);
            List<Double> d = r.getList(2);
            lists[a] = n.stream().mapToInt(Integer::intValue).toArray();
            distances[a] = d.stream().mapToDouble(Double::doubleValue).toArray();
            rows++;
        }
        if (rows != plan.images()) {
            throw new IOException("mine: the partitions in " + work + " list " + rows + " anchors, not the " + plan.images()
                    + " images; delete it to start over");
        }
        return new Lists(lists, distances);
    }

    /** Writes {@code negatives.parquet} and returns the facts for {@code mining.json}. */
    private static Map<String, Object> write(Storage storage, RunDirectory dir, List<String> keys, Lists lists, int[] negatives,
                                             Map<String, Integer> identities, MineConfig config, MinePlan plan) throws IOException {
        Path file = dir.resolve(NEGATIVES);
        Path tmp = PartitionedWork.temporary(file, 0);
        long found = 0;
        long labelled = 0;
        long different = 0;
        try (ParquetWriter<Group> out = PartitionedWork.writer(storage, tmp, NEGATIVES_SCHEMA)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(NEGATIVES_SCHEMA);
            for (int i = 0; i < negatives.length; i++) {
                int c = negatives[i];
                if (c == CyclicRanking.NONE) continue;
                int rank = indexOf(lists.neighbours()[i], c);
                out.write(rows.newGroup().append("key", keys.get(i)).append("negative_key", keys.get(c))
                        .append("rank", rank + 1).append("distance", lists.distances()[i][rank]));
                found++;
                if (identities != null) {
                    Integer a = identities.get(keyOf(keys.get(i)));
                    Integer b = identities.get(keyOf(keys.get(c)));
                    if (a != null && b != null) {
                        labelled++;
                        if (!a.equals(b)) different++;
                    }
                }
            }
        }
        PartitionedWork.commit(storage, tmp, file);
        // the plain nearest neighbour as the negative, measured the same way: what cyclic ranking is compared with
        long nearestLabelled = 0;
        long nearestDifferent = 0;
        if (identities != null) {
            for (int i = 0; i < negatives.length; i++) {
                int[] list = lists.neighbours()[i];
                if (list.length == 0) continue;
                Integer a = identities.get(keyOf(keys.get(i)));
                Integer b = identities.get(keyOf(keys.get(list[0])));
                if (a != null && b != null) {
                    nearestLabelled++;
                    if (!a.equals(b)) nearestDifferent++;
                }
            }
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", FORMAT);
        info.put(config.embeddings().isBlank() ? "checkpoint" : "embeddings", config.source());
        info.putAll(plan.toMap());
        info.put("walk", config.walk());
        info.put("nearest", config.nearest());
        info.put("found", found);
        info.put("none", (long) negatives.length - found);
        info.put("negatives", NEGATIVES);
        if (identities != null) {
            info.put("labelled", labelled);
            info.put("differentIdentity", different);
            info.put("differentIdentityFraction", labelled == 0 ? 0.0 : different / (double) labelled);
            info.put("nearestLabelled", nearestLabelled);
            info.put("nearestDifferentIdentityFraction", nearestLabelled == 0 ? 0.0 : nearestDifferent / (double) nearestLabelled);
            info.put("labelsNote", "identities from reid.data's catalog, matched by uri, for measurement only; 'labelled'"
                    + " counts the negatives whose anchor and negative both have one; 'nearest...' measures each anchor's"
                    + " nearest neighbour instead (the plain nearest-neighbour negative) the same way");
        }
        return info;
    }

    private static int indexOf(int[] list, int value) {
        for (int q = 0; q < list.length; q++) if (list[q] == value) return q;
        throw new IllegalStateException("negative " + value + " is not in its anchor's list");
    }

    /**
     * The dataset's person id of each image, keyed as {@link #keyOf}; an unlabelled training image
     * ({@code reid.data.train-labels = none}) has none, and is left out (counted as not labelled).
     */
    private static Map<String, Integer> identities(JobContext ctx) throws IOException {
        Manifest manifest = ShardJob.read(ctx, SynthDatasets.resolve(ctx.config(), ctx.storage()));
        Map<String, Integer> out = new HashMap<>();
        for (Sample s : manifest.samples()) if (s.isLabeled()) out.put(keyOf(s.uri()), s.pid());
        if (out.isEmpty()) throw new ConfigError("reid.mine.labels: the dataset " + manifest.dataset() + " in " + manifest.root() + " has no images");
        return out;
    }

    /** A uri as a qualified Hadoop path, so that {@code /a/b.jpg} and {@code file:/a/b.jpg} match. */
    static String keyOf(String uri) {
        return Storage.path(uri).toString();
    }

    /** SHA-256 of the rows' float bits, big-endian, in order. */
    static String sha256(float[] rows) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        for (float v : rows) {
            if (!b.hasRemaining()) {
                md.update(b.array(), 0, b.position());
                b.clear();
            }
            b.putFloat(v);
        }
        md.update(b.array(), 0, b.position());
        return HexFormat.of().formatHex(md.digest());
    }
}
