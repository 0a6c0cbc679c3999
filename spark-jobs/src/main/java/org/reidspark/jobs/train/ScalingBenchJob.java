package org.reidspark.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;
import org.reidspark.data.shard.Shard;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.UsageError;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.jobs.shard.ShardSet;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.perf.NetworkBenchmark;
import org.reidspark.train.AveragingTraffic;
import org.reidspark.train.EpochLoop;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;
import org.reidspark.data.batch.LoaderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * {@code bench-scaling}: a benchmark (not a test) of the {@link ParameterAveragingTrainer}'s scaling. On the
 * configured dataset (the synthetic benchmark by default) and network, it runs the trainer for {@code --rounds}
 * rounds with each worker count of {@code --workers} and each averaging frequency of {@code --averaging-steps}, and
 * each way of running rounds of {@code --rounds-as} (a Spark job per round, resident workers: {@link ResidentWorkers}),
 * the configurations interleaved (A B A B ...) for {@code --repeats} passes so that load from other processes hits
 * all of them, after {@code --warmup-rounds} untimed rounds each. It prints images/s per configuration, the speed-up
 * of every worker count against the first (overall, per pass, and in images per CPU-second of this JVM), the fraction
 * of wall time spent outside the workers' compute (averaging, broadcast, scheduling), and the bytes of a round:
 * measured (the serialized state the trainer broadcasts; the task-result and shuffle bytes Spark's metrics report for
 * the returned states) beside the raw sizes {@link AveragingTraffic} computes, and Spark's own cost of a round (a job of
 * the round's shape that trains nothing). It then builds BoT's ResNet-50 (not trained) and computes its
 * traffic per round for {@code --resnet50-workers} workers, with the partial sums that reach the driver taken from
 * Spark's own {@code treeReduce} on that many partitions, and the time on 1 and 10 Gbit/s links beside the compute
 * time of K steps ({@code --resnet50-step-seconds}), in the full and the compact exchange, and models the round time on
 * {@code --gpu-workers} GPU executors from a GPU step time, stated ({@code --gpu-step-seconds}) or measured by
 * {@code submit/gpu-reference/bot_step.py} ({@code --gpu-step-from}: {@link GpuStep}). Shard sets, one per worker count, are published as
 * {@code <reid.run.output>/<reid.run.name>-scaling-shards-<N>} and reused. docs/performance.md has the results.
 */
public final class ScalingBenchJob implements Job {
    /** The optimizer-averaging period whose compact bytes are printed beside the plain compact exchange's (measured: docs/performance.md). */
    static final int OPTIMIZER_EVERY = 16;
    private static final Logger LOG = LoggerFactory.getLogger(ScalingBenchJob.class);
    /** The depth of the trainer's {@code treeReduce} (Spark's default). */
    static final int TRAINER_TREE_DEPTH = 2;
    private static final String TAG = "reid.bench.block";
    private static final double[] LINKS_GBIT = {1, 10};

    @Override
    public String name() {
        return "bench-scaling";
    }

    @Override
    public String summary() {
        return "benchmark: parameter averaging with 1 vs 2 workers, time averaging, bytes per round (also for ResNet-50)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--workers", "A,B", "worker counts to compare, the first is the reference (default 1,2)"),
                JobOption.plain("--averaging-steps", "A,B", "local steps per round to try (default reid.distributed.averaging-steps)"),
                JobOption.plain("--rounds", "N", "timed rounds per configuration and pass (default 4)"),
                JobOption.plain("--rounds-as", "jobs,resident", "how rounds run (reid.distributed.rounds) to compare: a Spark job "
                        + "per round, resident worker tasks, or both (default the config's)"),
                JobOption.plain("--repeats", "N", "interleaved passes over all configurations (default 2)"),
                JobOption.plain("--warmup-rounds", "N", "untimed rounds per configuration first (default 1)"),
                JobOption.plain("--resnet50-workers", "A,B", "worker counts for the computed ResNet-50 traffic, or none (default 2,4,16)"),
                JobOption.plain("--resnet50-classes", "N", "identities of the ResNet-50's classifier (default 751, Market-1501)"),
                JobOption.plain("--resnet50-step-seconds", "S", "seconds of one ResNet-50 BoT step (P16 x K4, 256x128) to compare "
                        + "with (default 36.5: docs/performance.md's 6.0 s per batch of 16 on this CPU x 4 x 1.52 for last stride 1)"),
                JobOption.plain("--gpu-workers", "A,B", "GPU executor counts for the modelled ResNet-50 round time, or none (default 4,16,64)"),
                JobOption.plain("--gpu-step-seconds", "S", "seconds of one ResNet-50 BoT step on a GPU executor, stated, for the model "
                        + "(default 0.15, an assumption; --gpu-step-from takes a measured one)"),
                JobOption.plain("--gpu-step-from", "FILE", "the model's step time measured instead: the JSON that "
                        + "submit/gpu-reference/bot_step.py wrote on a GPU (its train.median_s)"),
                JobOption.plain("--json", "FILE", "also write the figures as JSON to this local file"));
    }

    /** One configuration: worker count, local steps per round and how rounds run ({@code reid.distributed.rounds}). */
    record Setting(int workers, int steps, String rounds) {
        String label() {
            return workers + (workers == 1 ? " worker" : " workers") + ", K=" + steps + ", " + rounds;
        }
    }

    /** One timed block: {@code rounds} rounds of one setting in one pass. */
    record Block(Setting setting, int pass, int rounds, long images, double wallSeconds, double computeSeconds,
                 double cpuSeconds, long broadcastBytes, Traffic traffic, double loadAverage) {
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        List<Integer> workers = ints(ctx, "--workers", "1,2", 1);
        DistributedConfig distributed = DistributedConfig.from(config);
        List<Integer> stepsList = ints(ctx, "--averaging-steps", String.valueOf(distributed.averagingSteps()), 1);
        int rounds = ints(ctx, "--rounds", "4", 1).get(0);
        int repeats = ints(ctx, "--repeats", "2", 1).get(0);
        List<String> roundsAs = new ArrayList<>();
        for (String r : ctx.args().plain("--rounds-as").orElse(distributed.rounds()).split(",")) {
            roundsAs.add(distributed.withRounds(r.trim()).rounds()); // an unknown name fails naming the known
        }
        int warmup = ints(ctx, "--warmup-rounds", "1", 0).get(0);
        List<Integer> r50Workers = intsOrNone(ctx, "--resnet50-workers", "2,4,16");
        int r50Classes = ints(ctx, "--resnet50-classes", "751", 2).get(0);
        double r50Step = positive(ctx, "--resnet50-step-seconds", "36.5");
        List<Integer> gpuWorkers = intsOrNone(ctx, "--gpu-workers", "4,16,64");
        GpuStep gpuStep = ctx.args().plain("--gpu-step-from")
                .map(file -> GpuStep.read(java.nio.file.Path.of(file), ctx.args().plain("--gpu-step-seconds").isPresent()))
                .orElseGet(() -> GpuStep.stated(positive(ctx, "--gpu-step-seconds", "0.15")));

        Storage storage = ctx.storage();
        Manifest manifest = ShardJob.read(ctx, SynthDatasets.resolve(config, storage));
        Method method = Methods.of(config);
        TrainingData data = TrainingData.of(manifest);
        data.requireLabelsIfUsed(method);
        long seed = ctx.run().seed();
        Map<String, Object> report = new LinkedHashMap<>();
        SparkSession spark = null;
        BlockListener listener = new BlockListener();
        try {
            spark = SparkSessions.create(ctx);
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Map<Integer, JavaRDD<Shard>> shards = new LinkedHashMap<>();
            for (int w : workers) shards.put(w, trainShards(ctx, manifest, spark, w));
            jsc.sc().addSparkListener(listener);
            String env = String.format(Locale.ROOT, "master %s (%d task slots), %d cores; %s", jsc.master(),
                    jsc.defaultParallelism(), Runtime.getRuntime().availableProcessors(), NetworkBenchmark.environment());
            ctx.out().println("bench-scaling: " + env);
            ctx.out().printf(Locale.ROOT, "bench-scaling: %s on %s, %s %s, %dx%d, P%d x K%d per step; %d timed rounds per "
                            + "configuration and pass, %d passes, %d warm-up rounds; load average %.2f%n", method.name(),
                    manifest.dataset(), config.getString("reid.model.backbone"), config.getString("reid.model.width"),
                    config.getInt("reid.input.height"), config.getInt("reid.input.width"), config.getInt("reid.sampler.p"),
                    config.getInt("reid.sampler.k"), rounds, repeats, warmup, load());
            report.put("environment", env);

            TrainingState initial = method.initialize(data, seed, storage);
            List<Setting> settings = new ArrayList<>();
            for (String via : roundsAs) for (int k : stepsList) for (int w : workers) settings.add(new Setting(w, k, via));
            Map<Setting, TrainingState> states = new LinkedHashMap<>();
            Map<Setting, ParameterAveragingTrainer> trainers = new LinkedHashMap<>(); // one per setting: its executors keep their states
            for (Setting s : settings) {
                TrainingState state = initial.copy();
                trainers.put(s, trainer(jsc, config, s));
                if (warmup > 0) block(jsc, listener, trainers.get(s), method, data, seed, state, shards.get(s.workers()), s, -1, warmup);
                states.put(s, state);
            }
            List<Block> blocks = new ArrayList<>();
            for (int pass = 0; pass < repeats; pass++) {
                for (Setting s : settings) {
                    Block b = block(jsc, listener, trainers.get(s), method, data, seed, states.get(s), shards.get(s.workers()), s, pass, rounds);
                    blocks.add(b);
                    LOG.info("bench-scaling: pass {}/{}, {}: {} img/s, {} s averaging+broadcast of {} s", pass + 1, repeats,
                            s.label(), String.format(Locale.ROOT, "%.1f", b.images() / b.wallSeconds()),
                            String.format(Locale.ROOT, "%.2f", b.wallSeconds() - b.computeSeconds()),
                            String.format(Locale.ROOT, "%.2f", b.wallSeconds()));
                }
            }
            trainers.values().forEach(ParameterAveragingTrainer::close);
            Map<String, Object> floor = new LinkedHashMap<>();
            for (int w : workers) {
                double seconds = sparkFloorSeconds(jsc, shards.get(w), rounds);
                floor.put(String.valueOf(w), seconds);
                ctx.out().printf(Locale.ROOT, "Spark's own cost of a round with %d worker%s (a job of the round's shape: a small broadcast, "
                        + "one task per shard, treeReduce; no training): median %.3f s over %d rounds.%n", w, w == 1 ? "" : "s", seconds, rounds);
            }
            report.put("sparkRoundFloorSeconds", floor);
            TrainingState last = states.get(settings.get(0));
            AveragingTraffic small = AveragingTraffic.of(last);
            double[] serde = serializationSeconds(last);
            report.put("configurations", measuredTable(ctx, settings, blocks, small, serde));
            report.put("speedups", speedups(ctx, blocks, workers, stepsList, repeats));
            report.put("state", stateMap(small));
            Method r50 = resnet50Method(config);
            AveragingTraffic r50Traffic = r50Workers.isEmpty() && gpuWorkers.isEmpty() ? null
                    : AveragingTraffic.of(r50.initialize(new TrainingData(r50Classes, 0), ctx.run().seed(), storage));
            if (!r50Workers.isEmpty()) {
                report.put("resnet50", resnet50(ctx, jsc, listener, r50, r50Traffic, r50Classes, r50Workers, stepsList, r50Step));
            }
            if (!gpuWorkers.isEmpty()) {
                report.put("gpuStep", Map.of("seconds", gpuStep.seconds(), "source", gpuStep.source()));
                report.put("gpuModel", gpuModel(ctx, jsc, listener, r50Traffic, gpuWorkers, gpuStep));
            }
            ctx.out().printf(Locale.ROOT, "bench-scaling: load average at the end %.2f%n", load());
        } finally {
            if (spark != null) {
                spark.sparkContext().removeSparkListener(listener);
                spark.stop();
            }
        }
        if (ctx.args().plain("--json").isPresent()) {
            java.nio.file.Path json = java.nio.file.Path.of(ctx.args().plain("--json").get());
            if (json.getParent() != null) java.nio.file.Files.createDirectories(json.getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        }
        return 0;
    }

    /** The training shards for {@code workers} workers, published once and reused; cached and materialized. */
    private static JavaRDD<Shard> trainShards(JobContext ctx, Manifest manifest, SparkSession spark, int workers) throws IOException {
        Storage storage = ctx.storage();
        String where = new Path(Storage.path(ctx.run().output()), ctx.run().name() + "-scaling-shards-" + workers).toString();
        Config c = ctx.config();
        if (RunDirectory.isPublished(storage, Storage.path(where))) {
            ShardSet existing = ShardSet.open(storage, where);
            if (existing.height() != c.getInt("reid.input.height") || existing.width() != c.getInt("reid.input.width")
                    || existing.shards(Split.TRAIN) != workers) {
                throw new UsageError("the shard set " + where + " holds " + existing.shards(Split.TRAIN) + " train shards of "
                        + existing.height() + "x" + existing.width() + " images, not " + workers + " of "
                        + c.getInt("reid.input.height") + "x" + c.getInt("reid.input.width") + "; delete it or choose another reid.run.name");
            }
            LOG.info("reusing the shard set {}", where);
        } else {
            Config shardConfig = c.withValue("reid.shard.output", ConfigValueFactory.fromAnyRef(where))
                    .withValue("reid.shard.shards", ConfigValueFactory.fromAnyRef(workers));
            ShardJob.publish(ctx.withConfig(shardConfig), manifest, () -> spark);
        }
        ShardSet set = ShardSet.open(storage, where);
        if (set.shards(Split.TRAIN) != workers) {
            throw new UsageError("the dataset has too few training identities for " + workers + " shards: "
                    + set.shards(Split.TRAIN) + " in " + where);
        }
        JavaRDD<Shard> rdd = set.shards(spark, Split.TRAIN).persist(StorageLevel.MEMORY_ONLY());
        rdd.count();
        return rdd;
    }

    /** The trainer of setting {@code s}: one epoch at a time, its K and workers. */
    private static ParameterAveragingTrainer trainer(JavaSparkContext jsc, Config config, Setting s) {
        Config c = config.withValue("reid.train.epochs", ConfigValueFactory.fromAnyRef(1))
                .withValue("reid.distributed.averaging-steps", ConfigValueFactory.fromAnyRef(s.steps()))
                .withValue("reid.distributed.workers", ConfigValueFactory.fromAnyRef(s.workers()))
                .withValue("reid.distributed.rounds", ConfigValueFactory.fromAnyRef(s.rounds()));
        return new ParameterAveragingTrainer(jsc, TrainConfig.from(c), DistributedConfig.from(c), LoaderConfig.from(c), null, null);
    }

    /**
     * Runs {@code rounds} rounds of {@code s} from {@code state} (which ends trained by them) with the setting's
     * {@code trainer} and measures them. The training state's template goes to the executors in the setting's first
     * (warm-up) block only, as in a training, where it is sent once.
     */
    private static Block block(JavaSparkContext jsc, BlockListener listener, ParameterAveragingTrainer trainer, Method method,
                               TrainingData data, long seed, TrainingState state, JavaRDD<Shard> shards, Setting s, int pass,
                               int rounds) throws IOException {
        String tag = "w" + s.workers() + "-k" + s.steps() + "-" + s.rounds() + "-p" + pass;
        state.setPosition(0, state.iteration());
        jsc.setLocalProperty(TAG, tag);
        List<EpochLoop.EpochRecord> curve;
        long cpu0 = cpuNanos();
        try {
            curve = trainer.train(method, data, seed, state, shards, rounds * s.steps());
        } finally {
            jsc.setLocalProperty(TAG, null);
        }
        double cpu = (cpuNanos() - cpu0) / 1e9;
        Traffic t = listener.await(tag, s.rounds().equals("jobs") ? rounds : 1); // resident: one job for the block's rounds
        EpochLoop.EpochRecord e = curve.get(curve.size() - 1); // this block's epoch: the state's curve holds the earlier blocks' too
        return new Block(s, pass, rounds, Math.round(e.imagesPerSecond() * e.seconds()), e.seconds(), e.computeSeconds(),
                cpu, e.broadcastBytes(), t, load());
    }

    /**
     * Median seconds of {@code rounds} Spark jobs shaped like a training round that train nothing: a 1 KB broadcast,
     * one task per shard reading it and its cached shard, a {@code treeReduce} of one small value per task. What a
     * round costs however little it moves: the floor under the trainer's time outside the steps.
     */
    private static double sparkFloorSeconds(JavaSparkContext jsc, JavaRDD<Shard> shards, int rounds) {
        double[] t = new double[Math.max(1, rounds)];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            org.apache.spark.broadcast.Broadcast<byte[]> b = jsc.broadcast(new byte[1024]);
            shards.mapPartitions((java.util.Iterator<Shard> it) -> {
                long n = it.next().samples().size() + b.value().length;
                return List.of(new long[]{n}).iterator();
            }).treeReduce((a, c) -> new long[]{a[0] + c[0]});
            b.destroy();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    /** Median seconds to serialize the state on the driver and to read it back (what a task does first). */
    private static double[] serializationSeconds(TrainingState state) throws IOException {
        double[] write = new double[3];
        double[] read = new double[3];
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            byte[] bytes = state.toBytes();
            long t1 = System.nanoTime();
            TrainingState.read(new ByteArrayInputStream(bytes));
            write[i] = (t1 - t0) / 1e9;
            read[i] = (System.nanoTime() - t1) / 1e9;
        }
        Arrays.sort(write);
        Arrays.sort(read);
        return new double[]{write[1], read[1]};
    }

    private static List<Map<String, Object>> measuredTable(JobContext ctx, List<Setting> settings, List<Block> blocks,
                                                           AveragingTraffic small, double[] serde) {
        ctx.out().println();
        ctx.out().println("Measured, summed over the passes (compute = the slowest worker's time in each round, reading the broadcast "
                + "state included; the rest of the wall time = serializing, broadcasting, scheduling, returning and merging the states; "
                + "resident rounds send their values and results over the workers' own connections, which Spark's task metrics do not count):");
        ctx.out().println("| configuration | rounds | images | wall s | img/s | compute s | averaging + broadcast s | fraction averaging "
                + "| CPU s (cores busy) | broadcast state B/round | returned B/round (task results) | shuffle B/round | partial sums to the driver |");
        ctx.out().println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Setting s : settings) {
            List<Block> mine = blocks.stream().filter(b -> b.setting().equals(s)).toList();
            int rounds = mine.stream().mapToInt(Block::rounds).sum();
            long images = mine.stream().mapToLong(Block::images).sum();
            double wall = mine.stream().mapToDouble(Block::wallSeconds).sum();
            double compute = mine.stream().mapToDouble(Block::computeSeconds).sum();
            double cpu = mine.stream().mapToDouble(Block::cpuSeconds).sum();
            long broadcast = mine.get(mine.size() - 1).broadcastBytes();
            double returned = mine.stream().mapToLong(b -> b.traffic().resultBytes()).sum() / (double) rounds;
            double shuffle = mine.stream().mapToLong(b -> b.traffic().shuffleBytes()).sum() / (double) rounds;
            int toDriver = mine.get(mine.size() - 1).traffic().driverResults();
            ctx.out().printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.1f (%.2f) | %,d | %,.0f | %,.0f | %d |%n",
                    s.label(), rounds, images, wall, images / wall, compute, wall - compute, (wall - compute) / wall, cpu, cpu / wall,
                    broadcast, returned, shuffle, toDriver);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("workers", s.workers());
            row.put("averagingSteps", s.steps());
            row.put("roundsAs", s.rounds());
            row.put("rounds", rounds);
            row.put("images", images);
            row.put("wallSeconds", wall);
            row.put("computeSeconds", compute);
            row.put("imagesPerSecond", images / wall);
            row.put("averagingFraction", (wall - compute) / wall);
            row.put("cpuSeconds", cpu);
            row.put("broadcastBytesPerRound", broadcast);
            row.put("returnedBytesPerRound", returned);
            row.put("shuffleBytesPerRound", shuffle);
            row.put("driverResultsPerRound", toDriver);
            row.put("passes", mine.stream().map(b -> Map.of("pass", b.pass() + 1, "imagesPerSecond", b.images() / b.wallSeconds(),
                    "averagingFraction", (b.wallSeconds() - b.computeSeconds()) / b.wallSeconds(), "coresBusy",
                    b.cpuSeconds() / b.wallSeconds(), "loadAverage", b.loadAverage())).toList());
            rows.add(row);
        }
        Block any = blocks.get(blocks.size() - 1);
        ctx.out().printf(Locale.ROOT, "Computed (raw fp32 values, AveragingTraffic): state broadcast %,d B, returned per worker %,d B "
                        + "(%,d parameters, %,d optimizer values, %,d merged auxiliary values; %,d frozen values sent once). Measured/computed: "
                        + "broadcast %.3f (ModelSerializer's deflated zip), returned %.3f per worker (Java-serialized arrays). "
                        + "Driver-side serialization of the state %.3f s, reading it back %.3f s (median of 3).%n",
                small.broadcastBytes(), small.returnedBytes(), small.parameters(), small.optimizerValues(), small.mergedAux(),
                small.frozen(), any.broadcastBytes() / (double) small.broadcastBytes(),
                any.traffic().resultBytes() / (double) any.rounds() / any.setting().workers() / small.returnedBytes(),
                serde[0], serde[1]);
        return rows;
    }

    private static List<Map<String, Object>> speedups(JobContext ctx, List<Block> blocks, List<Integer> workers,
                                                      List<Integer> stepsList, int repeats) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (workers.size() < 2) return out;
        ctx.out().println();
        for (String via : blocks.stream().map(b -> b.setting().rounds()).distinct().toList()) for (int k : stepsList) {
            Setting ref = new Setting(workers.get(0), k, via);
            for (int w : workers.subList(1, workers.size())) {
                Setting s = new Setting(w, k, via);
                double overall = rate(blocks, s, -1) / rate(blocks, ref, -1);
                List<Double> perPass = IntStream.range(0, repeats).mapToObj(p -> rate(blocks, s, p) / rate(blocks, ref, p)).toList();
                double perCpu = perCpuSecond(blocks, s) / perCpuSecond(blocks, ref);
                ctx.out().printf(Locale.ROOT, "speed-up %d vs %d workers, K=%d, %s: %.2fx img/s (per pass: %s); images per CPU-second %.2fx%n",
                        w, ref.workers(), k, via, overall,
                        String.join(", ", perPass.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList()), perCpu);
                out.add(Map.of("workers", w, "reference", ref.workers(), "averagingSteps", k, "roundsAs", via, "ratio", overall, "perPass", perPass,
                        "imagesPerCpuSecondRatio", perCpu));
            }
        }
        return out;
    }

    /** Images per CPU-second of this JVM for {@code s}, over every pass. */
    private static double perCpuSecond(List<Block> blocks, Setting s) {
        List<Block> mine = blocks.stream().filter(b -> b.setting().equals(s)).toList();
        return mine.stream().mapToLong(Block::images).sum() / mine.stream().mapToDouble(Block::cpuSeconds).sum();
    }

    /** Images per second of {@code s} in pass {@code pass}, or over every pass when it is negative. */
    private static double rate(List<Block> blocks, Setting s, int pass) {
        List<Block> mine = blocks.stream().filter(b -> b.setting().equals(s) && (pass < 0 || b.pass() == pass)).toList();
        return mine.stream().mapToLong(Block::images).sum() / mine.stream().mapToDouble(Block::wallSeconds).sum();
    }

    private static Map<String, Object> stateMap(AveragingTraffic t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parameters", t.parameters());
        m.put("optimizerValues", t.optimizerValues());
        m.put("mergedAux", t.mergedAux());
        m.put("frozen", t.frozen());
        m.put("broadcastBytes", t.broadcastBytes());
        m.put("returnedBytes", t.returnedBytes());
        return m;
    }

    /**
     * The round time of BoT's ResNet-50 on {@code workerCounts} GPU executors on 10 and 100 Gbit/s links, from its
     * bytes per round and a stated step time: resident rounds (every state through the driver's link: depth 1, one copy
     * per worker out) and a Spark job per round (torrent broadcast, the trainer's tree depth; the fewest serial bytes),
     * full and compact exchange (optimizer averaged every {@value #OPTIMIZER_EVERY} rounds); the fewest K for which
     * communication is at most 10% of a round; and, against synchronous ring all-reduce of the gradients every step, the
     * K beyond which averaging every K steps moves fewer bytes per step over the busiest link.
     */
    private static List<Map<String, Object>> gpuModel(JobContext ctx, JavaSparkContext jsc, BlockListener listener, AveragingTraffic t,
                                                      List<Integer> workerCounts, GpuStep step) {
        double stepSeconds = step.seconds();
        ctx.out().println();
        ctx.out().printf(Locale.ROOT, "Modelled for ResNet-50 on GPU executors: a step of %.3f s (%s), communication = "
                + "serial bytes x 8 / link speed, not overlapped with compute (rounds are synchronous), no latency or protocol "
                + "overhead. Resident rounds: every worker's copy out of and state into the driver; jobs: one copy out (torrent "
                + "broadcast) and the trainer's depth-%d tree. All-reduce: each link carries 2(N-1)/N of the %,d parameters in "
                + "fp32 each step (ring). K beyond = averaging every K steps moves fewer bytes per step than all-reduce (which "
                + "can overlap the backward pass; averaging here does not).%n", stepSeconds, step.source(), TRAINER_TREE_DEPTH,
                t.parameters());
        ctx.out().println("| GPU workers | link Gbit/s | rounds as | full: s/round | K for <= 10% | K beyond all-reduce | compact (optimizer every "
                + OPTIMIZER_EVERY + "): s/round | K for <= 10% | K beyond all-reduce | all-reduce s/step |");
        ctx.out().println("|---|---|---|---|---|---|---|---|---|---|");
        List<Map<String, Object>> rows = new ArrayList<>();
        double[] links = {10, 100};
        for (int w : workerCounts) {
            int partialSums = driverResults(jsc, listener, w, TRAINER_TREE_DEPTH);
            for (double g : links) {
                long allReduceBytes = t.allReduceBytesPerStep(w);
                double allReduce = AveragingTraffic.seconds(allReduceBytes, g);
                for (String via : List.of("resident", "jobs")) {
                    boolean resident = via.equals("resident");
                    int results = resident ? w : partialSums;
                    long full = resident ? t.round(w, results).serialMaxBytes() : t.round(w, results).serialMinBytes();
                    AveragingTraffic.Round c = t.compactRound(w, results, OPTIMIZER_EVERY);
                    long compact = resident ? c.serialMaxBytes() : c.serialMinBytes();
                    double fullS = AveragingTraffic.seconds(full, g);
                    double compactS = AveragingTraffic.seconds(compact, g);
                    int kFull = AveragingTraffic.stepsForFraction(fullS, stepSeconds, 0.1);
                    int kCompact = AveragingTraffic.stepsForFraction(compactS, stepSeconds, 0.1);
                    String beyondFull = allReduce > 0 ? String.valueOf((int) Math.ceil(fullS / allReduce)) : "never";
                    String beyondCompact = allReduce > 0 ? String.valueOf((int) Math.ceil(compactS / allReduce)) : "never";
                    ctx.out().printf(Locale.ROOT, "| %d | %.0f | %s | %.2f | %d | %s | %.2f | %d | %s | %.3f |%n", w, g, via, fullS, kFull,
                            beyondFull, compactS, kCompact, beyondCompact, allReduce);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("workers", w);
                    m.put("gbit", g);
                    m.put("roundsAs", via);
                    m.put("stepSeconds", stepSeconds);
                    m.put("fullSerialBytes", full);
                    m.put("fullSeconds", fullS);
                    m.put("fullStepsForTenPercent", kFull);
                    m.put("compactSerialBytes", compact);
                    m.put("compactSeconds", compactS);
                    m.put("compactStepsForTenPercent", kCompact);
                    m.put("allReduceBytesPerStep", allReduceBytes);
                    m.put("allReduceSecondsPerStep", allReduce);
                    rows.add(m);
                }
            }
        }
        return rows;
    }

    /**
     * The GPU step time the round-time model uses, and where it came from: stated ({@code --gpu-step-seconds}), or
     * measured by {@code submit/gpu-reference/bot_step.py} (PyTorch's ResNet-50 BoT step, P16 x K4 at 256x128, on a
     * GPU) and read from the JSON it wrote ({@code --gpu-step-from}).
     */
    record GpuStep(double seconds, String source) {
        static GpuStep stated(double seconds) {
            return new GpuStep(seconds, "stated with --gpu-step-seconds, not measured");
        }

        /**
         * Reads {@code bot_step.py}'s JSON: {@code train.median_s}, {@code device}, {@code torch}, {@code batch.images}.
         * A smoke run, a CPU run or a file without the step's median is a usage error naming the file and what is wrong.
         */
        static GpuStep read(java.nio.file.Path file, boolean alsoStated) {
            String where = "--gpu-step-from " + file;
            if (alsoStated) throw new UsageError(where + ": give either --gpu-step-from or --gpu-step-seconds, not both");
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(file.toFile());
            } catch (IOException e) {
                throw new UsageError(where + ": cannot read it as JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (json == null || !json.path("train").path("median_s").isNumber()) {
                throw new UsageError(where + ": no train.median_s in it; expected the JSON that submit/gpu-reference/bot_step.py writes");
            }
            double seconds = json.path("train").path("median_s").asDouble();
            String device = json.path("device").asText("");
            if (json.path("smoke").asBoolean(false)) {
                throw new UsageError(where + ": a --smoke run of bot_step.py (a check of the script on tiny sizes), not a measurement");
            }
            if (device.isEmpty() || device.equalsIgnoreCase("cpu")) {
                throw new UsageError(where + ": measured on \"" + device + "\", not on a GPU; run bot_step.py with --device cuda");
            }
            int images = json.path("batch").path("images").asInt(0);
            if (images != 64) {
                throw new UsageError(where + ": a batch of " + images + " images, not BoT's P16 x K4 = 64 the model is for");
            }
            if (!(seconds > 0) || !Double.isFinite(seconds)) {
                throw new UsageError(where + ": train.median_s is " + seconds + ", not a positive number of seconds");
            }
            return new GpuStep(seconds, String.format(Locale.ROOT, "measured: PyTorch %s on %s, median of %d steps, from %s",
                    json.path("torch").asText("?"), device, json.path("iterations").asInt(0), file.getFileName()));
        }
    }

    /** BoT's ResNet-50 as {@code conf/market1501-bot-r50.conf} trains it, with this config's method and losses. */
    private static Method resnet50Method(Config config) {
        Config r50 = config.withValue("reid.model.backbone", ConfigValueFactory.fromAnyRef("resnet50"))
                .withValue("reid.model.width", ConfigValueFactory.fromAnyRef(1.0))
                .withValue("reid.model.last-stride", ConfigValueFactory.fromAnyRef(1))
                .withValue("reid.bot.bnneck", ConfigValueFactory.fromAnyRef(true))
                .withValue("reid.model.pretrained", ConfigValueFactory.fromAnyRef(""))
                .withValue("reid.input.height", ConfigValueFactory.fromAnyRef(256))
                .withValue("reid.input.width", ConfigValueFactory.fromAnyRef(128));
        return Methods.of(r50);
    }

    /** BoT's ResNet-50 ({@code method}, not trained; {@code t} its traffic): its bytes per round on a CPU cluster. */
    private static Map<String, Object> resnet50(JobContext ctx, JavaSparkContext jsc, BlockListener listener, Method method,
                                                AveragingTraffic t, int classes, List<Integer> workerCounts, List<Integer> stepsList,
                                                double stepSeconds) {
        ctx.out().println();
        ctx.out().printf(Locale.ROOT, "Computed for ResNet-50 (%s, last stride 1, BNNeck, %d classes, built here): %,d parameters "
                        + "(batch-norm statistics included), %,d optimizer values, %,d merged auxiliary values (%s's center-loss centers); "
                        + "state %.1f MB broadcast to each worker, %.1f MB returned by each worker (fp32; MB = 10^6 B).%n",
                method.name(), classes, t.parameters(), t.optimizerValues(), t.mergedAux(), method.name(),
                t.broadcastBytes() / 1e6, t.returnedBytes() / 1e6);
        long maxResult = jsc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g");
        ctx.out().printf(Locale.ROOT, "Per round, by the partial sums reaching the driver (measured: Spark's treeReduce on that many "
                + "partitions at depths 1-3; the trainer uses depth %d, marked *). Serial = what the busiest link carries at each "
                + "stage, one stage after the other: the broadcast out of the driver (best: one copy, executors pass the pieces "
                + "on; worst: one copy per worker), a tree level's share into one executor, the partial sums into the driver. "
                + "spark.driver.maxResultSize here: %,d B.%n", TRAINER_TREE_DEPTH, maxResult);
        ctx.out().println("| workers | depth | partial sums to the driver | broadcast MB | out of the workers MB | tree level to the driver MB "
                + "| total MB/round | into the driver MB | within maxResultSize | serial MB (best..worst) | 1 Gbit/s: s/round | 10 Gbit/s: s/round |");
        ctx.out().println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        Map<Integer, AveragingTraffic.Round> atTrainerDepth = new LinkedHashMap<>();
        List<Map<String, Object>> rounds = new ArrayList<>();
        List<AveragingTraffic.Round> compactRounds = new ArrayList<>();
        List<AveragingTraffic.Round> syncedRounds = new ArrayList<>();
        for (int w : workerCounts) {
            for (int depth = 1; depth <= 3; depth++) {
                int partialSums = driverResults(jsc, listener, w, depth);
                AveragingTraffic.Round r = t.round(w, partialSums);
                compactRounds.add(t.round(w, partialSums, true));
                syncedRounds.add(t.compactRound(w, partialSums, OPTIMIZER_EVERY));
                if (depth == TRAINER_TREE_DEPTH) atTrainerDepth.put(w, r);
                ctx.out().printf(Locale.ROOT, "| %d | %d%s | %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %s | %,.0f..%,.0f | %.1f..%.1f | %.2f..%.2f |%n",
                        w, depth, depth == TRAINER_TREE_DEPTH ? "*" : "", r.driverResults(), r.broadcastBytes() / 1e6,
                        r.workerBytes() / 1e6, r.treeToDriverBytes() / 1e6, r.totalBytes() / 1e6, r.driverInBytes() / 1e6,
                        r.driverInBytes() <= maxResult || maxResult == 0 ? "yes" : "**no**", r.serialMinBytes() / 1e6,
                        r.serialMaxBytes() / 1e6, AveragingTraffic.seconds(r.serialMinBytes(), 1),
                        AveragingTraffic.seconds(r.serialMaxBytes(), 1), AveragingTraffic.seconds(r.serialMinBytes(), 10),
                        AveragingTraffic.seconds(r.serialMaxBytes(), 10));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workers", w);
                m.put("depth", depth);
                m.put("driverResults", r.driverResults());
                m.put("broadcastBytes", r.broadcastBytes());
                m.put("workerBytes", r.workerBytes());
                m.put("treeToDriverBytes", r.treeToDriverBytes());
                m.put("totalBytes", r.totalBytes());
                m.put("driverInBytes", r.driverInBytes());
                m.put("serialMinBytes", r.serialMinBytes());
                m.put("serialMaxBytes", r.serialMaxBytes());
                AveragingTraffic.Round c = compactRounds.get(compactRounds.size() - 1);
                m.put("compactTotalBytes", c.totalBytes());
                m.put("compactSerialMinBytes", c.serialMinBytes());
                m.put("compactSerialMaxBytes", c.serialMaxBytes());
                m.put("compactOptimizerEvery" + OPTIMIZER_EVERY + "TotalBytes", syncedRounds.get(syncedRounds.size() - 1).totalBytes());
                rounds.add(m);
            }
        }
        ctx.out().printf(Locale.ROOT, "The compact exchange (reid.distributed.exchange = compact: parameters and merged state out in fp32, "
                        + "each worker's change back in fp16, no optimizer state): %.1f MB to each worker, %.1f MB back from each.%n",
                t.compactBroadcastBytes() / 1e6, t.compactReturnedBytes() / 1e6);
        ctx.out().println("| workers | depth | full total MB/round | compact total MB/round | compact / full | compact serial MB (best..worst) "
                + "| compact, optimizer averaged every " + OPTIMIZER_EVERY + " rounds: MB/round | / full |");
        ctx.out().println("|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < compactRounds.size(); i++) {
            Map<String, Object> m = rounds.get(i);
            AveragingTraffic.Round c = compactRounds.get(i);
            AveragingTraffic.Round synced = syncedRounds.get(i);
            long full = (Long) m.get("totalBytes");
            ctx.out().printf(Locale.ROOT, "| %d | %d%s | %,.0f | %,.0f | %.3f | %,.0f..%,.0f | %,.0f | %.3f |%n", c.workers(), (Integer) m.get("depth"),
                    (Integer) m.get("depth") == TRAINER_TREE_DEPTH ? "*" : "", full / 1e6, c.totalBytes() / 1e6,
                    c.totalBytes() / (double) full, c.serialMinBytes() / 1e6, c.serialMaxBytes() / 1e6, synced.totalBytes() / 1e6,
                    synced.totalBytes() / (double) full);
        }
        ctx.out().printf(Locale.ROOT, "Against compute, at the trainer's depth: K steps of %.2f s each (--resnet50-step-seconds); communication "
                + "(serial bytes, best..worst) not overlapped with compute (rounds are synchronous); fraction = communication / "
                + "(communication + compute); per step = communication / K:%n", stepSeconds);
        ctx.out().println("| workers | K | compute s/round | 1 Gbit/s: communication s/round | fraction | per step s | 10 Gbit/s: communication s/round | fraction | per step s |");
        ctx.out().println("|---|---|---|---|---|---|---|---|---|");
        for (int w : workerCounts) {
            AveragingTraffic.Round r = atTrainerDepth.get(w);
            for (int k : mergedSteps(stepsList)) {
                double compute = k * stepSeconds;
                StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "| %d | %d | %.1f", w, k, compute));
                for (double g : LINKS_GBIT) {
                    double lo = AveragingTraffic.seconds(r.serialMinBytes(), g);
                    double hi = AveragingTraffic.seconds(r.serialMaxBytes(), g);
                    sb.append(String.format(Locale.ROOT, " | %.2f..%.2f | %.3f..%.3f | %.3f..%.3f", lo, hi, lo / (lo + compute),
                            hi / (hi + compute), lo / k, hi / k));
                }
                ctx.out().println(sb.append(" |"));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>(stateMap(t));
        m.put("classes", classes);
        m.put("stepSeconds", stepSeconds);
        m.put("maxResultSize", maxResult);
        m.put("rounds", rounds);
        return m;
    }

    /** The averaging frequencies of the ResNet-50 table: those benchmarked and 1, 5, 20. */
    private static List<Integer> mergedSteps(List<Integer> steps) {
        java.util.TreeSet<Integer> all = new java.util.TreeSet<>(steps);
        all.addAll(List.of(1, 5, 20));
        return List.copyOf(all);
    }

    /** How many partial sums Spark's {@code treeReduce} at {@code depth} sends to the driver from {@code workers} partitions. */
    static int driverResults(JavaSparkContext jsc, BlockListener listener, int workers, int depth) {
        String tag = "tree-" + workers + "-" + depth;
        jsc.setLocalProperty(TAG, tag);
        try {
            jsc.parallelize(IntStream.range(0, workers).boxed().toList(), workers).treeReduce(Integer::sum, depth);
        } finally {
            jsc.setLocalProperty(TAG, null);
        }
        return listener.await(tag, 1).driverResults();
    }

    /**
     * What Spark's metrics say a block moved: tasks' serialized results (the returned states), shuffle bytes written
     * (a tree level), and the tasks of each job's final stage (the partial sums the driver receives).
     */
    record Traffic(int jobs, long tasks, long resultBytes, long shuffleBytes, int driverResults) {
    }

    /** Collects {@link Traffic} per block, blocks told apart by the {@link #TAG} local property of their jobs. */
    static final class BlockListener extends SparkListener {
        private final Map<Integer, String> jobTags = new ConcurrentHashMap<>();
        private final Map<Integer, String> stageTags = new ConcurrentHashMap<>();
        private final Map<String, Traffic> traffic = new ConcurrentHashMap<>();

        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String tag = e.properties() == null ? null : e.properties().getProperty(TAG);
            if (tag == null) return;
            jobTags.put(e.jobId(), tag);
            StageInfo last = null;
            for (StageInfo s : scala.collection.JavaConverters.seqAsJavaList(e.stageInfos())) {
                stageTags.put(s.stageId(), tag);
                if (last == null || s.stageId() > last.stageId()) last = s;
            }
            int results = last == null ? 0 : last.numTasks();
            traffic.merge(tag, new Traffic(0, 0, 0, 0, results), (a, b) -> new Traffic(a.jobs(), a.tasks(), a.resultBytes(),
                    a.shuffleBytes(), b.driverResults()));
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            String tag = stageTags.get(e.stageId());
            if (tag == null || e.taskMetrics() == null) return;
            long result = e.taskMetrics().resultSize();
            long shuffle = e.taskMetrics().shuffleWriteMetrics().bytesWritten();
            traffic.merge(tag, new Traffic(0, 1, result, shuffle, 0), (a, b) -> new Traffic(a.jobs(), a.tasks() + 1,
                    a.resultBytes() + b.resultBytes(), a.shuffleBytes() + b.shuffleBytes(), a.driverResults()));
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd e) {
            String tag = jobTags.get(e.jobId());
            if (tag == null) return;
            traffic.merge(tag, new Traffic(1, 0, 0, 0, 0), (a, b) -> new Traffic(a.jobs() + 1, a.tasks(), a.resultBytes(),
                    a.shuffleBytes(), a.driverResults()));
        }

        /** The block's traffic once {@code jobs} of its jobs have ended (listener events arrive asynchronously). */
        Traffic await(String tag, int jobs) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                Traffic t = traffic.get(tag);
                if (t != null && t.jobs() >= jobs) return t;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new IllegalStateException("Spark's listener bus did not report the " + jobs + " jobs of " + tag + " within 60 s");
        }
    }

    /** CPU time of this JVM (in local mode: the driver and every executor thread), or 0 where the JVM cannot say. */
    private static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static List<Integer> ints(JobContext ctx, String flag, String fallback, int min) {
        String text = ctx.args().plain(flag).orElse(fallback);
        try {
            List<Integer> values = Arrays.stream(text.split(",")).map(String::trim).filter(x -> !x.isEmpty()).map(Integer::parseInt).toList();
            if (!values.isEmpty() && values.stream().allMatch(v -> v >= min)) return values.stream().distinct().toList();
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageError(flag + " needs whole numbers of at least " + min + " (comma-separated), got \"" + text + "\"");
    }

    /** {@link #ints} of at least 1, or none when the option says {@code none}. */
    private static List<Integer> intsOrNone(JobContext ctx, String flag, String fallback) {
        return ctx.args().plain(flag).orElse(fallback).trim().equals("none") ? List.of() : ints(ctx, flag, fallback, 1);
    }

    private static double positive(JobContext ctx, String flag, String fallback) {
        String text = ctx.args().plain(flag).orElse(fallback);
        try {
            double v = Double.parseDouble(text.trim());
            if (v > 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageError(flag + " needs a positive number of seconds, got \"" + text + "\"");
    }
}
