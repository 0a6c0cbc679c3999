package org.reidspark.jobs.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.MessageType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.DecodeConfig;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.TestFeatures;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.jobs.UsageError;
import org.reidspark.perf.NetworkBenchmark;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code extract-bench} (a benchmark, not a test): the {@code extract} job's images/s against the compute-only
 * embedding rate of the same model on the same machine, measured in one JVM, alternating, over {@code --rounds}
 * rounds (even rounds compute, local, S3; odd rounds the reverse, so that a drift in the machine's load weighs on
 * every arm alike):
 * <ul>
 *   <li>{@code compute}: the model's test network ({@link Embedder#embedBatch}: forward pass and finishing) on
 *       normalized batches already in memory (the first {@code --compute-images} readable images of the input, decoded
 *       and normalized before the clock starts), with the job's batch size and flip setting, after
 *       {@link #WARMUP_PASSES} untimed passes;</li>
 *   <li>{@code lanes} (where the job would run more than one lane, {@link TaskThreads#lanes}): the same passes on the
 *       job's network lanes, each with its own network and its share of the cores; the compute-only rate is the
 *       better of the two in each round;</li>
 *   <li>{@code decode}: reading, decoding, resizing and normalizing those images on {@code reid.loader.threads}
 *       threads, as a task's loader does, with no embedding: the input's own CPU cost, which shares the cores with the
 *       network on a CPU executor;</li>
 *   <li>{@code local}: the whole {@code extract} job on the local folder {@code --input} (listing, planning, the
 *       partitions' tasks reading, decoding, embedding and writing Parquet, the count check, the NumPy export,
 *       publishing), into a fresh output each round;</li>
 *   <li>{@code s3}: the same job on the same images under {@code --s3 PREFIX}{@code /images} (copied there once through
 *       S3A, not timed), its output written under {@code --s3 PREFIX} too;</li>
 *   <li>with {@code --shards SET} (a published shard set of the same images at the model's input size):
 *       {@code shards}, the job on that shard set ({@code reid.extract.shards}: the stored images, no decoding), and with
 *       {@code --s3} also {@code shards-s3}, on its copy under {@code PREFIX/shards} (copied once, not timed). Their
 *       rates count the shard set's images.</li>
 * </ul>
 * The Spark session is started once before the rounds and held (its start is printed on its own); so a job's wall time
 * here is what {@code spark-submit} adds the JVM's and Spark's start to. Also printed for each job round: the
 * embedding stage alone ({@code stageSeconds} of its {@code extract.json}).
 *
 * <p>Then the Parquet writing of {@code --parquet-rows} embeddings of {@code --parquet-dims} floats on its own, to
 * local files, alternating: Parquet's example {@code Group} model (how the job wrote them first) against
 * {@link EmbeddingRows} (the values straight to the record consumer), the two files read back and compared.
 */
public final class ExtractBenchJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(ExtractBenchJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "extract-bench";
    }

    @Override
    public String summary() {
        return "benchmark: extract's images/s (local disk, S3) against the same model's compute-only rate, one run; Parquet writers";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--model", "RUN", "published training run whose model embeds"),
                JobOption.plain("--input", "FOLDER", "local image folder (listed recursively as extract does)"),
                JobOption.plain("--s3", "PREFIX", "s3a:// prefix for the S3 arm: the images are copied to PREFIX/images once "
                        + "(not timed) and the outputs written under PREFIX (needs reid.s3.*); none = no S3 arm"),
                JobOption.plain("--s3-server-pid", "PID", "the local S3 server's process (submit/extract-bench passes s3proxy's):"
                        + " its CPU time in each S3 round is printed, as it shares this machine's cores"),
                JobOption.plain("--shards", "SET", "a published shard set of the same images at the model's input size: the"
                        + " job on it as well (and on its copy under the --s3 prefix)"),
                JobOption.plain("--splits", "A,B", "with --shards: the splits the shard arms embed (default all)"),
                JobOption.plain("--job-lanes", "A,B", "run each job arm once per reid.extract.lanes value, alternating (e.g. 1,0)"),
                JobOption.plain("--work", "FOLDER", "local folder for the local arm's outputs and the Parquet files "
                        + "(default runs/extract-bench; its contents are replaced)"),
                JobOption.plain("--rounds", "N", "rounds of the arms, alternating order (default 3)"),
                JobOption.plain("--compute-images", "N", "images held in memory for the compute-only rate (default 2048)"),
                JobOption.plain("--parquet-rows", "N", "embeddings written by each Parquet writer (default 20000)"),
                JobOption.plain("--parquet-dims", "N", "floats per embedding there (default 2048)"));
    }

    /** Untimed passes before the compute-only arm's: enough for DL4J to size the thread's inference workspaces. */
    static final int WARMUP_PASSES = 5;

    @Override
    public int run(JobContext ctx) throws Exception {
        String modelRun = ctx.args().require(this, "--model");
        String input = ctx.args().require(this, "--input");
        String s3 = ctx.args().plain("--s3").map(p -> p.endsWith("/") ? p.substring(0, p.length() - 1) : p).orElse("");
        if (!s3.isEmpty() && !s3.startsWith("s3a://")) throw new UsageError("--s3 needs an s3a:// prefix, got " + s3);
        String work = ctx.args().plain("--work").orElse("runs/extract-bench");
        int rounds = ctx.args().positiveInt("--rounds", 3);
        String serverPid = ctx.args().plain("--s3-server-pid").orElse("");
        String shardSet = ctx.args().plain("--shards").orElse("");
        String splits = ctx.args().plain("--splits").orElse("");
        List<String> jobLanes = ctx.args().plain("--job-lanes").map(v -> java.util.Arrays.stream(v.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).toList()).orElse(List.of());
        for (String l : jobLanes) {
            if (!l.matches("\\d+")) throw new UsageError("--job-lanes takes lane counts (0 = the job's default), got " + l);
        }
        int computeImages = ctx.args().positiveInt("--compute-images", 2048);
        int parquetRows = ctx.args().positiveInt("--parquet-rows", 20000);
        int parquetDims = ctx.args().positiveInt("--parquet-dims", 2048);
        var out = ctx.out();
        Storage storage = ctx.storage();
        Path workDir = storage.qualifiedPath(work);
        storage.fs(workDir).delete(workDir, true);
        storage.fs(workDir).mkdirs(workDir);

        out.println(NetworkBenchmark.environment());
        TrainedModel model = TrainedModel.open(storage, modelRun);
        InputConfig in = InputConfig.from(model.config());
        EmbedConfig embed = EmbedConfig.from(ctx.config());
        List<String> uris = ExtractJob.listImages(storage, input);
        if (uris.isEmpty()) throw new UsageError("no images below " + input);
        String s3Images = s3.isEmpty() ? "" : s3 + "/images";
        if (!s3.isEmpty()) stage(storage, input, uris, s3Images, out);
        String s3Shards = s3.isEmpty() || shardSet.isEmpty() ? "" : s3 + "/shards";
        if (!s3Shards.isEmpty()) stageShardSet(storage, shardSet, s3Shards, out);

        // the compute-only arm's batches, normalized before any clock starts
        ImageSource images = ImageSource.decoding(storage, DecodeConfig.from(ctx.config()).decoder(Alpha.byName(in.alpha())),
                in.height(), in.width());
        Normalizer normalizer = Normalizer.of(in);
        List<String> heldUris = new ArrayList<>();
        List<RgbImage> decoded = new ArrayList<>();
        int unreadable = 0;
        for (int i = 0; i < uris.size() && decoded.size() < computeImages; i++) {
            try {
                decoded.add(images.image(uris.get(i)));
                heldUris.add(uris.get(i));
            } catch (ImageDecodeException e) {
                unreadable++;
            }
        }
        if (decoded.isEmpty()) throw new UsageError("none of the images below " + input + " can be decoded");
        if (unreadable > 0) {
            out.println("extract-bench: " + unreadable + " of " + (heldUris.size() + unreadable)
                    + " images left out of the compute-only set (unreadable)");
        }
        int held = decoded.size();
        List<INDArray> batches = new ArrayList<>();
        for (int start = 0; start < held; start += embed.batchSize()) {
            batches.add(normalizer.batch(decoded.subList(start, Math.min(held, start + embed.batchSize()))));
        }
        LoaderConfig loader = LoaderConfig.from(ctx.config());
        Embedder embedder = new Embedder(model.testNetwork(), in, images, loader, embed.batchSize(),
                embed.flip());
        // warm-up past DL4J's workspace sizing: a thread's first four inference passes map and touch fresh memory (for
        // ResNet-50 at batch 64, 1 million page faults and 1 s of a 2.6 s pass), so fewer would time that as compute
        for (int i = 0; i < WARMUP_PASSES; i++) embedder.embedBatch(batches.get(i % batches.size()));
        out.println(String.format(Locale.ROOT, "extract-bench: model %s (%s, input %dx%d, batch %d, flip %s), %d images in %s%s",
                model.runId(), model.method().name(), in.height(), in.width(), embed.batchSize(), embed.flip(), uris.size(), input,
                s3.isEmpty() ? "; no S3 arm (--s3)" : " and " + s3Images));

        // the same passes on the job's network lanes, each with its own network and its share of the cores
        TaskThreads.Lanes lanes = TaskThreads.lanes(ctx.config().getString("reid.spark.master"), 1, 0,
                Runtime.getRuntime().availableProcessors(), System.getenv("OMP_NUM_THREADS"), Nd4j.getEnvironment().isCPU(),
                Integer.MAX_VALUE, ctx.config().getInt("reid.extract.lanes"));
        TestModel portable = model.portable();
        if (lanes.count() > 1) {
            out.println("extract-bench: the job's forward passes run on " + lanes.reason());
            onLanes(lanes, portable, embed.flip(), batches, WARMUP_PASSES * lanes.count());
        }

        List<String> arms = new ArrayList<>(List.of("compute", "decode", "local"));
        if (lanes.count() > 1) arms.add(1, "lanes");
        if (!s3.isEmpty()) arms.add("s3");
        if (!shardSet.isEmpty()) arms.add("shards");
        if (!s3Shards.isEmpty()) arms.add("shards-s3");
        if (!jobLanes.isEmpty()) {
            // each job arm once per lane setting: "local lanes=1", "local lanes=0", ...
            List<String> split = new ArrayList<>();
            for (String arm : arms) {
                if (List.of("compute", "lanes", "decode").contains(arm)) split.add(arm);
                else for (String l : jobLanes) split.add(arm + " lanes=" + l);
            }
            arms = split;
        }
        Map<String, double[]> rates = new LinkedHashMap<>();
        Map<String, double[]> stageRates = new LinkedHashMap<>();
        for (String arm : arms) {
            rates.put(arm, new double[rounds]);
            stageRates.put(arm, new double[rounds]);
        }
        SparkSessions.hold();
        try {
            long t0 = System.nanoTime();
            SparkSessions.create(ctx);
            out.println(String.format(Locale.ROOT, "  Spark session start (once, held for every job round): %.1f s",
                    (System.nanoTime() - t0) / 1e9));
            for (int r = 0; r < rounds; r++) {
                List<String> order = new ArrayList<>(arms);
                if (r % 2 == 1) java.util.Collections.reverse(order);
                for (String arm : order) {
                    if (arm.equals("decode")) {
                        double seconds = decode(images, heldUris, loader.threads(), normalizer);
                        rates.get(arm)[r] = held / seconds;
                        stageRates.get(arm)[r] = held / seconds;
                        out.println(String.format(Locale.ROOT, "  round %d decode: %d images read, decoded, resized and normalized"
                                + " on %d threads in %.2f s, %.1f images/s", r + 1, held, loader.threads(),
                                seconds, held / seconds));
                    } else if (arm.equals("lanes")) {
                        double seconds = onLanes(lanes, portable, embed.flip(), batches, batches.size());
                        rates.get(arm)[r] = held / seconds;
                        stageRates.get(arm)[r] = held / seconds;
                        out.println(String.format(Locale.ROOT, "  round %d lanes: %d images on %d lanes in %.2f s, %.1f images/s",
                                r + 1, held, lanes.count(), seconds, held / seconds));
                    } else if (arm.equals("compute")) {
                        long c0 = System.nanoTime();
                        for (INDArray b : batches) embedder.embedBatch(b);
                        double seconds = (System.nanoTime() - c0) / 1e9;
                        rates.get(arm)[r] = held / seconds;
                        stageRates.get(arm)[r] = held / seconds;
                        out.println(String.format(Locale.ROOT, "  round %d compute: %d images in %.2f s, %.1f images/s",
                                r + 1, held, seconds, held / seconds));
                    } else {
                        boolean onS3 = arm.startsWith("s3") || arm.startsWith("shards-s3");
                        String base = arm.contains(" ") ? arm.substring(0, arm.indexOf(' ')) : arm;
                        String output = (onS3 ? s3 : workDir.toString()) + "/out-" + arm.replace(" lanes=", "-lanes") + "-" + (r + 1);
                        Map<String, String> from = new LinkedHashMap<>(switch (base) {
                            case "local" -> Map.of("reid.extract.input", input);
                            case "s3" -> Map.of("reid.extract.input", s3Images);
                            case "shards" -> Map.of("reid.extract.shards", shardSet, "reid.extract.splits", splits);
                            default -> Map.of("reid.extract.shards", s3Shards, "reid.extract.splits", splits);
                        });
                        if (!base.equals(arm)) from.put("reid.extract.lanes", arm.substring(arm.indexOf('=') + 1));
                        double serverBefore = onS3 ? cpuSeconds(serverPid) : Double.NaN;
                        double[] timed = extract(ctx, modelRun, from, output, storage);
                        double server = onS3 ? cpuSeconds(serverPid) - serverBefore : Double.NaN;
                        double n = timed[2];
                        rates.get(arm)[r] = n / timed[0];
                        stageRates.get(arm)[r] = n / timed[1];
                        out.println(String.format(Locale.ROOT, "  round %d %s: %d images, job %.2f s, %.1f images/s; embedding stage"
                                        + " %.2f s, %.1f images/s%s", r + 1, arm, (long) n, timed[0], n / timed[0], timed[1], n / timed[1],
                                Double.isNaN(server) ? "" : String.format(Locale.ROOT, "; the S3 server used %.1f CPU-s meanwhile"
                                        + " (%.2f ms per image) on these cores", server, 1000 * server / n)));
                    }
                }
            }
        } finally {
            SparkSessions.release();
        }
        // the compute-only rate: the better of one pass on every core and the lanes, round by round
        double[] best = rates.get("compute").clone();
        if (rates.containsKey("lanes")) for (int r = 0; r < rounds; r++) best[r] = Math.max(best[r], rates.get("lanes")[r]);
        double compute = NetworkBenchmark.median(best);
        out.println("extract-bench: medians over " + rounds + " rounds (ratio: the arm's rate over the compute-only rate,"
                + (rates.containsKey("lanes") ? " the better of compute and lanes in each round, " + String.format(Locale.ROOT,
                "%.1f images/s;", compute) : "") + " per round, arms side by side)");
        for (String arm : arms) {
            double job = NetworkBenchmark.median(rates.get(arm));
            double stage = NetworkBenchmark.median(stageRates.get(arm));
            StringBuilder perRound = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                perRound.append(perRound.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f",
                        rates.get(arm)[r] / best[r]));
            }
            out.println(String.format(Locale.ROOT, "  %-17s %8.1f images/s  ratio %.3f (rounds: %s)%s", arm, job, job / compute,
                    perRound, List.of("compute", "lanes", "decode").contains(arm) ? "" : String.format(Locale.ROOT, "; embedding stage %.1f images/s, ratio %.3f",
                            stage, stage / compute)));
        }
        double decode = NetworkBenchmark.median(rates.get("decode"));
        double bound = 1 / (1 / compute + 1 / decode);
        out.println(String.format(Locale.ROOT, "  decoding and embedding share the cores: a pipeline of the two is bounded by"
                + " 1 / (1/compute + 1/decode) = %.1f images/s (ratio %.3f) where both keep every core busy", bound, bound / compute));
        parquet(storage, workDir, parquetRows, parquetDims, rounds, out);
        return 0;
    }

    /**
     * Seconds for {@code passes} passes over {@code batches} (cycling) on the job's network lanes
     * ({@link PartitionExtractor.Resident}), handed over from one thread per lane as the job's tasks do.
     */
    private static double onLanes(TaskThreads.Lanes lanes, TestModel model, boolean flip, List<INDArray> batches, int passes)
            throws Exception {
        ExecutorService tasks = Executors.newFixedThreadPool(lanes.count());
        try {
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < lanes.count(); t++) {
                int first = t;
                done.add(tasks.submit(() -> {
                    for (int i = first; i < passes; i += lanes.count()) {
                        INDArray b = batches.get(i % batches.size());
                        PartitionExtractor.Resident.embed(lanes, model, b, flip);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            tasks.shutdownNow();
        }
    }

    /** User and system CPU seconds of process {@code pid} so far (Linux {@code /proc}); NaN when unknown. */
    private static double cpuSeconds(String pid) {
        if (pid.isEmpty()) return Double.NaN;
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields from the 3rd (state) on
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ = 100)
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Seconds to read, decode, resize and normalize {@code uris} on a pool of {@code threads} threads, as a task's loader does. */
    private static double decode(ImageSource images, List<String> uris, int threads, Normalizer normalizer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            List<Future<float[]>> done = new ArrayList<>();
            for (String uri : uris) done.add(pool.submit(() -> normalizer.toChw(images.image(uri))));
            for (Future<float[]> f : done) f.get();
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Copies the images to {@code target} (same relative paths) unless it already holds as many; not timed. */
    private static void stage(Storage storage, String input, List<String> uris, String target, java.io.PrintStream out)
            throws Exception {
        Path to = Storage.path(target);
        FileSystem s3 = storage.fs(to);
        int there = s3.exists(to) ? ExtractJob.listImages(storage, target).size() : 0;
        if (there == uris.size()) {
            out.println("extract-bench: " + there + " images already in " + target);
            return;
        }
        Path root = storage.qualifiedPath(input);
        String rootText = root.toString();
        FileSystem local = storage.fs(root);
        long t0 = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> copies = new ArrayList<>();
            for (String uri : uris) {
                Path src = new Path(uri);
                Path dst = new Path(to, uri.substring(rootText.length() + 1));
                copies.add(pool.submit(() -> {
                    FileUtil.copy(local, src, s3, dst, false, true, storage.hadoop());
                    int n = done.incrementAndGet();
                    if (n % 2000 == 0) LOG.info("extract-bench: copied {}/{} images to {}", n, uris.size(), target);
                    return null;
                }));
            }
            for (Future<?> f : copies) f.get();
        } finally {
            pool.shutdownNow();
        }
        out.println(String.format(Locale.ROOT, "extract-bench: copied %d images to %s in %.1f s (not timed)", uris.size(), target,
                (System.nanoTime() - t0) / 1e9));
    }

    /** Copies the shard set to {@code target} unless a published copy is there; not timed. */
    private static void stageShardSet(Storage storage, String shardSet, String target, java.io.PrintStream out) throws IOException {
        Path to = Storage.path(target);
        FileSystem s3 = storage.fs(to);
        if (s3.exists(new Path(to, org.reidspark.artifact.RunDirectory.MARKER))) {
            out.println("extract-bench: the shard set is already in " + target);
            return;
        }
        Path from = storage.qualifiedPath(shardSet);
        long t0 = System.nanoTime();
        s3.delete(to, true);
        if (!FileUtil.copy(storage.fs(from), from, s3, to, false, true, storage.hadoop())) {
            throw new IOException("could not copy " + from + " to " + target);
        }
        out.println(String.format(Locale.ROOT, "extract-bench: copied the shard set %s to %s in %.1f s (not timed)", from, target,
                (System.nanoTime() - t0) / 1e9));
    }

    /**
     * One run of the extract job on the input keys {@code from} (the prefix, or the shard set and its splits) into
     * {@code output}: {job wall seconds, embedding stage seconds, images}; the output is then deleted.
     */
    private static double[] extract(JobContext ctx, String model, Map<String, String> from, String output, Storage storage)
            throws Exception {
        Config c = ctx.config()
                .withValue("reid.extract.model", ConfigValueFactory.fromAnyRef(model))
                .withValue("reid.extract.input", ConfigValueFactory.fromAnyRef(""))
                .withValue("reid.extract.manifest", ConfigValueFactory.fromAnyRef(""))
                .withValue("reid.extract.shards", ConfigValueFactory.fromAnyRef(""))
                .withValue("reid.extract.splits", ConfigValueFactory.fromAnyRef(""))
                .withValue("reid.extract.output", ConfigValueFactory.fromAnyRef(output));
        for (Map.Entry<String, String> e : from.entrySet()) c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        ExtractJob job = new ExtractJob();
        long t0 = System.nanoTime();
        job.run(new JobContext(job, c, ctx.args(), ctx.out()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Path dir = Storage.path(output);
        JsonNode summary;
        try (InputStream in = storage.fs(dir).open(new Path(dir, ExtractFiles.SUMMARY))) {
            summary = JSON.readTree(in);
        }
        storage.fs(dir).delete(dir, true);
        return new double[]{seconds, summary.get("stageSeconds").asDouble(), summary.get("images").asDouble()};
    }

    /** The Parquet writers on their own: {@code rows} x {@code dims} floats, Group model against {@link EmbeddingRows}. */
    private static void parquet(Storage storage, Path work, int rows, int dims, int rounds, java.io.PrintStream out) throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        float[][] values = new float[rows][dims];
        for (float[] row : values) for (int j = 0; j < dims; j++) row[j] = (float) random.nextGaussian();
        List<String> arrays = List.of(TestFeatures.EMBEDDING);
        Path group = new Path(work, "group.parquet");
        Path direct = new Path(work, "direct.parquet");
        double[] groupRates = new double[rounds];
        double[] directRates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int which = 0; which < 2; which++) {
                boolean groupFirst = r % 2 == 0;
                boolean useGroup = (which == 0) == groupFirst;
                long t0 = System.nanoTime();
                if (useGroup) writeGroups(storage, group, values);
                else writeDirect(storage, direct, values, arrays);
                double seconds = (System.nanoTime() - t0) / 1e9;
                (useGroup ? groupRates : directRates)[r] = rows / seconds;
            }
        }
        int checked = compare(storage, group, direct, rows);
        double g = NetworkBenchmark.median(groupRates);
        double d = NetworkBenchmark.median(directRates);
        double mb = 4.0 * dims / 1e6;
        long groupBytes = storage.fs(group).getFileStatus(group).getLen();
        long directBytes = storage.fs(direct).getFileStatus(direct).getLen();
        out.println(String.format(Locale.ROOT, "extract-bench: Parquet writing of %d embeddings of %d floats (Snappy, local file),"
                + " medians over %d rounds, alternating:", rows, dims, rounds));
        out.println(String.format(Locale.ROOT, "  Group model     %9.1f rows/s (%.1f MB/s of floats), file %d MB", g, g * mb, groupBytes >> 20));
        out.println(String.format(Locale.ROOT, "  EmbeddingRows   %9.1f rows/s (%.1f MB/s of floats), file %d MB; %.2fx the Group model",
                d, d * mb, directBytes >> 20, d / g));
        out.println("  the two files read back equal (" + checked + " rows compared value by value)");
    }

    private static void writeGroups(Storage storage, Path file, float[][] values) throws IOException {
        MessageType schema = ExtractFiles.EMBEDDING_SCHEMA;
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = PartitionedWork.writer(storage, file, schema)) {
            for (int i = 0; i < values.length; i++) {
                Group g = groups.newGroup().append("uri", "image-" + i);
                Group list = g.addGroup(TestFeatures.EMBEDDING);
                for (float v : values[i]) list.addGroup("list").append("element", v);
                w.write(g.append("model_run_id", "bench").append("dims", values[i].length));
            }
        }
    }

    private static void writeDirect(Storage storage, Path file, float[][] values, List<String> arrays) throws IOException {
        try (ParquetWriter<EmbeddingRows.Row> w = EmbeddingRows.writer(storage, file, arrays)) {
            for (int i = 0; i < values.length; i++) w.write(new EmbeddingRows.Row("image-" + i, new float[][]{values[i]}, "bench"));
        }
    }

    /** Reads both files (Group model) and fails unless they hold the same rows; returns the rows compared. */
    private static int compare(Storage storage, Path a, Path b, int rows) throws IOException {
        int n = 0;
        try (ParquetReader<Group> ra = ParquetReader.builder(new GroupReadSupport(), a).withConf(storage.hadoop()).build();
             ParquetReader<Group> rb = ParquetReader.builder(new GroupReadSupport(), b).withConf(storage.hadoop()).build()) {
            for (Group x = ra.read(), y = rb.read(); x != null || y != null; x = ra.read(), y = rb.read(), n++) {
                if (x == null || y == null || !same(x, y)) {
                    throw new IllegalStateException("the Group writer's and EmbeddingRows' files differ at row " + n);
                }
            }
        }
        if (n != rows) throw new IllegalStateException(rows + " rows written, " + n + " read back");
        return n;
    }

    private static boolean same(Group x, Group y) {
        if (!x.getString("uri", 0).equals(y.getString("uri", 0)) || x.getInteger("dims", 0) != y.getInteger("dims", 0)
                || !x.getString("model_run_id", 0).equals(y.getString("model_run_id", 0))) {
            return false;
        }
        Group lx = x.getGroup(TestFeatures.EMBEDDING, 0);
        Group ly = y.getGroup(TestFeatures.EMBEDDING, 0);
        int n = lx.getFieldRepetitionCount("list");
        if (n != ly.getFieldRepetitionCount("list")) return false;
        for (int i = 0; i < n; i++) {
            if (Float.floatToIntBits(lx.getGroup("list", i).getFloat("element", 0))
                    != Float.floatToIntBits(ly.getGroup("list", i).getFloat("element", 0))) {
                return false;
            }
        }
        return true;
    }
}
