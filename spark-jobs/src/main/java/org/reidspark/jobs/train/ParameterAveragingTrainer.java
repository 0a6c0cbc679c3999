package org.reidspark.jobs.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.TaskGpu;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.EpochLoop;
import org.reidspark.train.InputBatches;
import org.reidspark.train.MergeAccumulator;
import org.reidspark.train.Round;
import org.reidspark.train.StateValues;
import org.reidspark.train.Step;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Parameter averaging across Spark executors with the method's own step: every partition (one identity shard, so
 * P x K batches and in-batch losses form locally) runs a {@link Round} of {@code reid.distributed.averaging-steps}
 * steps from the round's state with the batches the method's inputs declare; the workers' states are combined
 * and merged into the driver's state by each component's declared rule
 * ({@link MergeAccumulator}). The frozen components (a teacher, fixed tables) are broadcast once per training and kept
 * by each executor with its resident states ({@link ResidentStates}): never re-sent, averaged or returned.
 *
 * <p>Executors keep their training states resident between rounds ({@link ResidentStates}): the trainable part's
 * template (graphs and all) is broadcast once per training, and again only when the state's layout changes; a round
 * sends the values alone ({@link StateValues}: raw arrays, no model zip) and each worker writes them into its
 * resident state. What a round moves is {@code reid.distributed.exchange}:
 * <ul>
 *   <li>{@code full}: the whole trainable state out, the whole state back, all averaged (parameters, optimizer state,
 *       merged auxiliary state). A round is a pure function of (state, shard, seed, round): a retried task recomputes
 *       exactly the same update, so a lost executor leaves the result correct.</li>
 *   <li>{@code compact}: the parameters and merged auxiliary state out, each worker's change back in half precision
 *       ({@link MergeAccumulator#addChange}); each worker keeps its own optimizer state in its resident state (kept
 *       per worker), averaged with everything else every {@code reid.distributed.optimizer-every} rounds (0: never).
 *       About a quarter of the bytes with Adam when never averaged. A worker whose task runs where its resident state is not
 *       (a lost executor, a retry after a failure) starts its optimizer state again from the driver's: the training
 *       goes on, though not bit for bit as without the failure.</li>
 * </ul>
 *
 * <p>How the rounds run is {@code reid.distributed.rounds}: {@code resident} (the default) keeps one long-lived Spark
 * task per worker for a run of rounds, each taking the round's values from the driver and returning its result over a
 * connection of its own ({@link ResidentWorkers}; the workers stop for any Spark job the driver runs meanwhile, a
 * periodic evaluation or a search on the executors, and start again); {@code jobs} runs each round as a Spark job (the
 * values broadcast, the results combined by {@code treeReduce}). Both give the same state. Resident workers need a task
 * slot each at once: with fewer slots, or with {@code spark.speculation}, the rounds run as jobs.
 *
 * <p>The method (with its typed settings), the training data facts and the loader settings travel to the executors
 * as Java objects; no config text is re-parsed there. On GPU executors each task first binds its thread to the GPU
 * Spark assigned to it ({@link TaskGpu}).
 *
 * <p>An epoch is as many rounds as a worker needs to take the method's steps per epoch for its shard. The epoch loop
 * (schedule, guard, progress line, checkpoints, evaluation) is the {@link EpochLoop} the local trainer uses.
 */
public final class ParameterAveragingTrainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterAveragingTrainer.class);

    private final JavaSparkContext jsc;
    private final TrainConfig train;
    private final DistributedConfig distributed;
    private final LoaderConfig loader;
    private final Checkpoints checkpoints;
    private final EpochLoop.Evaluator evaluator;
    private final Template template = new Template();
    private long frozenBytes;

    /**
     * @param checkpoints where checkpoints go, or null for none
     * @param evaluator   periodic evaluation, or null for none
     */
    public ParameterAveragingTrainer(JavaSparkContext jsc, TrainConfig train, DistributedConfig distributed, LoaderConfig loader,
                                     Checkpoints checkpoints, EpochLoop.Evaluator evaluator) {
        this.jsc = jsc;
        this.train = train;
        this.distributed = distributed;
        this.loader = loader;
        this.checkpoints = checkpoints;
        this.evaluator = evaluator;
    }

    /** What every worker task needs besides its shard and the broadcast state. */
    record Worker(Method method, TrainingData data, long seed, int epochs, int stepsPerEpoch, int steps, LoaderConfig loader,
                  int faultRound) implements Serializable {
    }

    /**
     * One worker's round: its steps' figures, its state for merging, and the slowest worker's seconds writing the
     * round's values into its resident state, adding its state up for the merge, and in the rest of its round outside
     * the steps (the round's batches drawn, and in a round's task the sampler and loader set up and closed).
     */
    record WorkerResult(Round.Result round, MergeAccumulator states, double[] seconds) implements Serializable {
        WorkerResult combine(WorkerResult o) {
            round.combine(o.round);
            states.combine(o.states);
            for (int i = 0; i < seconds.length; i++) seconds[i] = Math.max(seconds[i], o.seconds[i]);
            return this;
        }
    }

    /**
     * Trains {@code state} from its current epoch to {@code reid.train.epochs} on {@code shards} (one training shard
     * per partition, cached by the caller).
     *
     * @param seed          the run seed
     * @param stepsPerEpoch steps a worker takes per epoch
     */
    public List<EpochLoop.EpochRecord> train(Method method, TrainingData data, long seed, TrainingState state,
                                             JavaRDD<Shard> shards, int stepsPerEpoch) throws IOException {
        int workers = shards.getNumPartitions();
        int k = distributed.averagingSteps();
        int roundsPerEpoch = Math.max(1, (int) Math.ceil((double) stepsPerEpoch / k));
        double lrScale = distributed.lrScale(workers);
        Worker worker = new Worker(method, data, seed, train.epochs(), roundsPerEpoch * k, k, loader, distributed.faultRound());
        Broadcast<byte[]> frozen = null;
        if (state.hasFrozen()) {
            byte[] bytes = state.toBytes(TrainingState.Part.FROZEN);
            frozenBytes = bytes.length;
            frozen = jsc.broadcast(bytes);
        }
        LOG.info("parameter averaging of {}: {} workers, {} local steps per round, {} rounds per epoch, lr x{} for {} workers, {} exchange{}",
                method.name(), workers, k, roundsPerEpoch, lrScale, workers, distributed.exchange(),
                frozen == null ? "" : ", frozen components (" + frozenBytes + " bytes) sent to each executor once");
        Broadcast<byte[]> frozenParts = frozen;
        Step driverStep = method.step(data, seed);
        boolean[] optimizerAveraged = {false}; // the last round averaged the workers' optimizer states (compact)
        ResidentWorkers resident = residentWorkers(shards);
        // a Spark job the driver runs meanwhile needs the slots the resident workers hold: they stop first
        org.reidspark.train.NeighbourSearch sparkSearch = new org.reidspark.jobs.mine.SparkNeighbourSearch(jsc);
        org.reidspark.train.NeighbourSearch search = (rows, n, d, nearest) -> {
            if (resident != null) resident.suspend();
            return sparkSearch.neighbours(rows, n, d, nearest);
        };
        EpochLoop.Evaluator evaluate = evaluator == null || resident == null ? evaluator : (s, epoch) -> {
            resident.suspend();
            return evaluator.evaluate(s, epoch);
        };
        boolean done = false;
        try {
            List<EpochLoop.EpochRecord> curve = new EpochLoop(train, checkpoints, evaluate).run(state, new EpochLoop.Rounds() {
                @Override
                public int roundsPerEpoch() {
                    return roundsPerEpoch;
                }

                @Override
                public void startEpoch(TrainingState s, int epoch) {
                    // e.g. PAUL's global negatives, broadcast with the next round; a large search runs on the executors
                    driverStep.startEpoch(s, epoch, search);
                }

                @Override
                public EpochLoop.Outcome run(TrainingState s, int epoch, int r, double factor) throws IOException {
                    if (r >= roundsPerEpoch) return null;
                    long start = System.nanoTime();
                    long templateBytes = template.update(s);
                    boolean compact = distributed.compact();
                    int round = epoch * roundsPerEpoch + r;
                    // compact: every optimizer-every rounds the workers return their whole state, optimizer included, and
                    // the next round sends the averaged optimizer state out with the parameters
                    boolean sync = compact && distributed.optimizerEvery() > 0 && (round + 1) % distributed.optimizerEvery() == 0;
                    byte[] bytes = StateValues.encode(s, !compact || optimizerAveraged[0]);
                    optimizerAveraged[0] = sync;
                    double encode = (System.nanoTime() - start) / 1e9;
                    ResidentWorkers.Order order = new ResidentWorkers.Order(epoch, round, factor * lrScale, compact, sync);
                    WorkerResult result = resident != null
                            ? resident.round(worker, template.broadcast, frozenParts, compact, order, bytes)
                            : roundJob(shards, worker, template.broadcast, frozenParts, order, bytes);
                    long merged = System.nanoTime();
                    if (result.round().diverged() == null) result.states().applyTo(s);
                    double merge = (System.nanoTime() - merged) / 1e9;
                    double wall = (System.nanoTime() - start) / 1e9;
                    double compute = result.round().seconds();
                    String detail = String.format(" across %d workers | compute %.2fs, averaging+broadcast %.2fs (values %.2fs,"
                                    + " workers' assign %.2fs, sums %.2fs and batches %.2fs, merge %.2fs)", workers, compute,
                            Math.max(0, wall - compute), encode, result.seconds()[0], result.seconds()[1], result.seconds()[2], merge);
                    return new EpochLoop.Outcome(result.round(), "round " + (r + 1) + "/" + roundsPerEpoch, detail, compute,
                            bytes.length + templateBytes);
                }
            });
            done = true;
            return curve;
        } finally {
            if (resident != null) {
                if (done) resident.close();
                else resident.abort();
            }
            if (frozen != null) frozen.destroy();
        }
    }

    /**
     * The resident workers of {@code reid.distributed.rounds = resident}, or null for a Spark job per round: chosen,
     * or where Spark cannot run a task per worker at once (fewer task slots registered) or runs speculative copies of
     * tasks (a second copy of a worker).
     */
    private ResidentWorkers residentWorkers(JavaRDD<Shard> shards) {
        if (!distributed.resident()) return null;
        int workers = shards.getNumPartitions();
        int slots = ResidentWorkers.concurrentSlots(jsc);
        if (slots < workers) {
            LOG.warn("a Spark job per round: {} workers need as many task slots at once for reid.distributed.rounds = resident,"
                    + " and Spark has {} now", workers, slots);
            return null;
        }
        if (jsc.getConf().getBoolean("spark.speculation", false)) {
            LOG.warn("a Spark job per round: reid.distributed.rounds = resident does not run with spark.speculation");
            return null;
        }
        return new ResidentWorkers(jsc, shards, distributed.port());
    }

    /** One round as a Spark job: the values broadcast, one task per worker, the results tree-reduced. */
    private WorkerResult roundJob(JavaRDD<Shard> shards, Worker worker, Broadcast<byte[]> tb, Broadcast<byte[]> frozenParts,
                                  ResidentWorkers.Order order, byte[] bytes) {
        int workers = shards.getNumPartitions();
        Broadcast<byte[]> bc = jsc.broadcast(bytes);
        try {
            return shards.mapPartitions((Iterator<Shard> it) -> {
                int device = TaskGpu.bindTask().device();
                TaskThreads.apply(workers);
                injectFault(worker.faultRound(), order.round());
                Shard shard = it.next();
                int slot = order.compact() ? org.apache.spark.TaskContext.getPartitionId() : -1; // its own optimizer state
                TrainingState resident = ResidentStates.borrow(tb, frozenParts, device, slot);
                WorkerResult out;
                try (InputBatches batches = batches(shard, worker)) {
                    out = workerRound(batches, resident, bc.value(), order, worker);
                }
                ResidentStates.release(tb, device, slot, resident);
                return List.of(out).iterator();
            }).treeReduce(WorkerResult::combine);
        } finally {
            bc.destroy();
        }
    }

    /**
     * One worker's round on its resident state with its shard's {@link #batches}, in a round's task or a resident
     * worker: the round's values written into the state, then
     * {@link #runRound(InputBatches, TrainingState, Map, Worker, int, int, double)} (the compact exchange's change taken
     * against the values unless the round averages the optimizer states).
     */
    static WorkerResult workerRound(InputBatches batches, TrainingState resident, byte[] values, ResidentWorkers.Order order,
                                    Worker worker) {
        long t0 = System.nanoTime();
        StateValues.assign(values, resident);
        Map<String, INDArray> base = order.compact() && !order.sync() ? StateValues.snapshot(resident) : null;
        double assign = (System.nanoTime() - t0) / 1e9;
        WorkerResult out = runRound(batches, resident, base, worker, order.epoch(), order.round(), order.lrFactor());
        out.seconds()[0] = assign;
        out.seconds()[2] = (System.nanoTime() - t0) / 1e9 - assign - out.round().seconds() - out.seconds()[1];
        return out;
    }

    /** Frees the executors' resident states' template (kept between {@link #train} calls on the same state). */
    @Override
    public void close() {
        template.destroy();
    }

    /**
     * The template of the executors' resident states ({@link ResidentStates}): a {@link TrainingState.Part#TRAINABLE}
     * write broadcast before the first round, and again whenever the state's {@link StateValues#layout} changed (a
     * step added auxiliary state on the driver) or another state object trains. A later {@link #train} of the same
     * state object (the scaling benchmark's passes) keeps it, and the executors their resident states.
     */
    private final class Template {
        Broadcast<byte[]> broadcast;
        String layout;
        TrainingState owner;

        /** Broadcasts a new template unless {@code s} is the owner and its layout the current one's; returns its bytes (0 when none). */
        long update(TrainingState s) throws IOException {
            String now = StateValues.layout(s);
            if (s == owner && now.equals(layout)) return 0;
            boolean changed = s == owner;
            destroy();
            byte[] bytes = s.toBytes(TrainingState.Part.TRAINABLE);
            broadcast = jsc.broadcast(bytes);
            LOG.info("training state template sent to the executors ({} bytes){}", bytes.length,
                    changed ? " for the state's new layout" : "");
            layout = now;
            owner = s;
            return bytes.length;
        }

        void destroy() {
            if (broadcast != null) broadcast.destroy();
            broadcast = null;
            owner = null;
        }
    }

    /** Bytes of the frozen components sent to each executor once in the last {@link #train} (0 when none). */
    public long frozenBytes() {
        return frozenBytes;
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
     * One worker's part of one round as a test's reference runs it: the state read from a {@link TrainingState.Part#TRAINABLE}
     * write of the state the round starts from, the frozen components attached (null when there are none), then
     * {@link #runRound(Shard, TrainingState, Map, Worker, int, int, double)}.
     */
    static WorkerResult runRound(Shard shard, byte[] stateBytes, TrainingState frozenPart, Worker worker, int epoch,
                                 int round, double lrFactor) {
        TrainingState state;
        try {
            state = TrainingState.read(new ByteArrayInputStream(stateBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broadcast training state", e);
        }
        if (frozenPart != null) state.attach(frozenPart);
        return runRound(shard, state, null, worker, epoch, round, lrFactor);
    }

    /**
     * One worker's part of one round, on an executor: the worker's steps over its shard from {@code state} (the round's
     * values, with the frozen components attached). Deterministic in its arguments (the batches and augmentation
     * derive from seed, shard and round).
     *
     * @param base the compact exchange's {@link StateValues#snapshot} of the state as the round began (the worker
     *             returns its change since), or null for the full exchange (the worker returns its state)
     */
    static WorkerResult runRound(Shard shard, TrainingState state, Map<String, INDArray> base, Worker worker, int epoch,
                                 int round, double lrFactor) {
        try (InputBatches batches = batches(shard, worker)) {
            return runRound(batches, state, base, worker, epoch, round, lrFactor);
        }
    }

    /**
     * A worker's batches over its shard: the sampler and loader every round of the shard draws from (a round's batches
     * and augmentation derive from the seed, the shard and the round alone, so one set serves every round).
     */
    static InputBatches batches(Shard shard, Worker worker) {
        return new InputBatches(worker.method().trainingInputs(), shard.samples(), shard.keys(), shard.images(),
                worker.loader(), Round.mix(worker.seed(), 1_000_003L * (shard.id() + 1)));
    }

    /** {@link #runRound(Shard, TrainingState, Map, Worker, int, int, double)} with the shard's {@link #batches}. */
    static WorkerResult runRound(InputBatches batches, TrainingState state, Map<String, INDArray> base, Worker worker,
                                 int epoch, int round, double lrFactor) {
        Method method = worker.method();
        Round.Result result = new Round(method.step(worker.data(), worker.seed()), method.learningRates(), worker.epochs(),
                worker.stepsPerEpoch()).run(state, epoch, lrFactor, batches.round(round, worker.steps()),
                worker.steps(), batches.seed(), null);
        long t0 = System.nanoTime();
        MergeAccumulator sums = base == null ? new MergeAccumulator().add(state) : new MergeAccumulator().addChange(state, base);
        return new WorkerResult(result, sums, new double[]{0, (System.nanoTime() - t0) / 1e9, 0});
    }
}
