package org.reidspark.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.IdentitySampler;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.TaskGpu;
import org.reidspark.method.Method;
import org.reidspark.method.MethodSetup;
import org.reidspark.method.Methods;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.Guards;
import org.reidspark.train.LocalTrainer;
import org.reidspark.train.MergeAccumulator;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Parameter averaging across Spark executors with the method's own {@link Step}: each round broadcasts the
 * {@link TrainingState}; every partition (one identity shard, so P x K batches and in-batch losses form
 * locally) runs {@code reid.distributed.averaging-steps} steps from it; the workers' states are combined
 * pairwise with {@code treeReduce} and merged into the broadcast state by each component's declared rule.
 * A round is a pure function of (state, shard, seed, round): a retried task recomputes exactly the same
 * update, so a lost executor leaves the result correct.
 *
 * <p>On GPU executors each task first binds its thread to the GPU Spark assigned to it ({@link TaskGpu}).
 *
 * <p>An epoch is as many rounds as a worker needs to see its shard about once. The learning-rate schedule,
 * checkpoints, evaluation and the NaN guard follow {@code reid.train} as in the {@link LocalTrainer}.
 */
public final class ParameterAveragingTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterAveragingTrainer.class);

    /** One epoch of the curve, with where the time went. */
    public record EpochRecord(int epoch, double lrFactor, Map<String, Double> meanLosses, double imagesPerSecond,
                              double seconds, double computeSeconds, double averagingSeconds, long broadcastBytes,
                              Map<String, Double> metrics) {
    }

    private final JavaSparkContext jsc;
    private final Config config;
    private final TrainConfig train;
    private final DistributedConfig distributed;
    private final Checkpoints checkpoints;
    private final LocalTrainer.Evaluator evaluator;

    public ParameterAveragingTrainer(JavaSparkContext jsc, Config config, Checkpoints checkpoints,
                                     LocalTrainer.Evaluator evaluator) {
        this.jsc = jsc;
        this.config = config;
        this.train = TrainConfig.from(config);
        this.distributed = DistributedConfig.from(config);
        this.checkpoints = checkpoints;
        this.evaluator = evaluator;
    }

    /**
     * Trains {@code state} from its current epoch to {@code reid.train.epochs} on {@code shards} (one training
     * shard per partition, cached by the caller).
     */
    public List<EpochRecord> train(TrainingState state, MethodSetup setup, JavaRDD<Shard> shards, int batchesPerEpoch)
            throws IOException {
        Method method = Methods.byName(config.getString("reid.method"));
        int workers = shards.getNumPartitions();
        int k = distributed.averagingSteps();
        int roundsPerEpoch = Math.max(1, (int) Math.ceil((double) batchesPerEpoch / k));
        double lrScale = distributed.lrScale(workers);
        Map<String, Double> baseLr = method.baseLearningRates(setup);
        String configText = config.root().render(ConfigRenderOptions.concise());
        int classes = setup.trainIdentities();
        int clothes = setup.clothesClasses();
        long seed = setup.seed();
        LOG.info("parameter averaging: {} workers, {} local steps per round, {} rounds per epoch, lr x{} for {} workers",
                workers, k, roundsPerEpoch, lrScale, workers);
        List<EpochRecord> curve = new ArrayList<>();
        long start = System.nanoTime();
        long totalRounds = (long) roundsPerEpoch * (train.epochs() - state.epoch());
        long roundsDone = 0;
        for (int epoch = state.epoch(); epoch < train.epochs(); epoch++) {
            double factor = train.schedule().factor(epoch, train.epochs());
            RoundResult epochSum = null;
            double compute = 0;
            double averaging = 0;
            long bytes = 0;
            long epochStart = System.nanoTime();
            for (int r = 0; r < roundsPerEpoch; r++) {
                long roundStart = System.nanoTime();
                byte[] stateBytes = state.toBytes();
                bytes = stateBytes.length;
                Broadcast<byte[]> bc = jsc.broadcast(stateBytes);
                int round = epoch * roundsPerEpoch + r;
                int ep = epoch;
                double lr = factor * lrScale;
                int fault = distributed.faultRound();
                RoundResult result = shards.mapPartitions((Iterator<Shard> it) -> {
                            TaskGpu.bindTask();
                            injectFault(fault, round);
                            return List.of(runRound(it.next(), bc.value(), configText, classes, clothes, seed, ep, round, k,
                                    baseLr, lr)).iterator();
                        })
                        .treeReduce(RoundResult::combine);
                bc.destroy();
                Guards.checkLosses(result.meanLosses(), "epoch " + (epoch + 1) + ", round " + (r + 1), checkpoints);
                result.states.applyTo(state);
                double wall = (System.nanoTime() - roundStart) / 1e9;
                compute += result.maxComputeSeconds;
                averaging += Math.max(0, wall - result.maxComputeSeconds);
                epochSum = epochSum == null ? result : epochSum.combine(result);
                roundsDone++;
                double perRound = (System.nanoTime() - start) / 1e9 / roundsDone;
                LOG.info("epoch {}/{} round {}/{} {} | {} img/s across {} workers | compute {}s, averaging+broadcast {}s | ETA {}",
                        epoch + 1, train.epochs(), r + 1, roundsPerEpoch, Guards.format(result.meanLosses()),
                        String.format("%.1f", result.images / wall), workers, String.format("%.1f", result.maxComputeSeconds),
                        String.format("%.1f", wall - result.maxComputeSeconds), Guards.eta(perRound * (totalRounds - roundsDone)));
            }
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            Map<String, Double> metrics = LocalTrainer.endEpoch(state, epoch, train, checkpoints, evaluator);
            curve.add(new EpochRecord(epoch, factor, epochSum.meanLosses(), epochSum.images / seconds, seconds, compute,
                    averaging, bytes, metrics));
        }
        return curve;
    }

    /** Fails the first attempt of partition 0's task in round {@code faultRound} (resilience tests). */
    static void injectFault(int faultRound, int round) {
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        if (round == faultRound && task != null && task.partitionId() == 0 && task.attemptNumber() == 0) {
            throw new IllegalStateException("injected fault (reid.distributed.fault-round = " + faultRound
                    + "): first attempt of worker 0 in round " + round);
        }
    }

    /**
     * One worker's part of one round, on an executor: {@code steps} P x K batches of its shard from the broadcast
     * state. Deterministic in its arguments (the batches and augmentation derive from seed, shard and round).
     */
    static RoundResult runRound(Shard shard, byte[] stateBytes, String configText, int classes, int clothes, long seed,
                                int epoch, int round, int steps, Map<String, Double> baseLr, double lrFactor) {
        long t0 = System.nanoTime();
        Config config = ConfigFactory.parseString(configText).resolve();
        Method method = Methods.byName(config.getString("reid.method"));
        MethodSetup setup = new MethodSetup(config, classes, clothes, seed, null);
        TrainingState state;
        try {
            state = TrainingState.read(new ByteArrayInputStream(stateBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broadcast training state", e);
        }
        for (Map.Entry<String, Double> e : baseLr.entrySet()) state.networks().setLearningRate(e.getKey(), e.getValue() * lrFactor);
        long shardSeed = LocalTrainer.mix(seed, 1_000_003L * (shard.id() + 1));
        IdentitySampler sampler = IdentitySampler.of(shard.samples(), SamplerConfig.from(config), shardSeed);
        List<int[]> batches = new ArrayList<>(steps);
        for (int pass = 0; batches.size() < steps; pass++) {
            List<int[]> more = sampler.epoch(round * 1000 + pass);
            for (int i = 0; i < more.size() && batches.size() < steps; i++) batches.add(more.get(i));
        }
        Step step = method.step(setup);
        RoundResult result = new RoundResult(new MergeAccumulator());
        InputConfig input = InputConfig.from(config);
        try (BatchLoader loader = new BatchLoader(shard.samples(), shard.images(), new Augmentation(input, AugmentConfig.from(config)),
                LoaderConfig.from(config), shardSeed)) {
            Iterator<Batch> it = loader.epoch(round, batches);
            while (it.hasNext()) {
                Batch batch = it.next();
                Map<String, Double> losses = step.apply(batch, state,
                        new StepContext(epoch, 0, state.iteration(), lrFactor, LocalTrainer.mix(shardSeed, state.iteration())));
                losses.forEach((k, v) -> result.lossSums.merge(k, v, Double::sum));
                result.steps++;
                result.images += batch.size();
                state.advanceIteration();
                if (!Double.isFinite(losses.get("loss"))) break;
            }
        }
        result.states.add(state);
        result.maxComputeSeconds = (System.nanoTime() - t0) / 1e9;
        return result;
    }
}
