package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * What one round of parameter averaging moves over the network, computed from the sizes of a
 * {@link TrainingState} (raw values, no serialization overhead). Every round the driver broadcasts the trainable
 * part of the state to each worker, and each worker sends back the parts {@link MergeAccumulator} merges: network
 * parameters (DL4J keeps batch-norm running statistics among them), optimizer state (Adam: two moments per trainable
 * parameter), {@code AVERAGE} dense state and keyed rows. {@code FROZEN} networks and state go to each executor once
 * per training ({@link #frozenBytes()}), never every round and never back. Keys, counts and marks of keyed state (a
 * few bytes per row) are not counted. The compact exchange ({@link #round(int, int, boolean)}) sends no optimizer state
 * and returns each worker's change in half precision.
 *
 * <p>The workers' states are summed by a tree reduction (Spark's {@code treeReduce}) with {@code driverResults}
 * partial sums reaching the driver. When that is fewer than the workers, every worker's state first crosses a
 * shuffle between executors (a tree level).
 *
 * @param parameters      parameter values of the averaged networks
 * @param optimizerValues optimizer state values of the averaged networks
 * @param mergedAux       auxiliary values returned and averaged ({@code AVERAGE} dense state, keyed rows)
 * @param frozen          values sent once per training and never returned ({@code FROZEN} networks' parameters and
 *                        {@code FROZEN} dense state)
 * @param bytesPerValue   bytes of one value (4 for fp32)
 * @param keyedAux        the part of {@code mergedAux} that is keyed rows (exact both ways in the compact exchange)
 */
public record AveragingTraffic(long parameters, long optimizerValues, long mergedAux, long frozen, int bytesPerValue,
                               long keyedAux) {
    /** Bytes of a value of a worker's change in the compact exchange (half precision). */
    public static final int CHANGE_BYTES = 2;

    public AveragingTraffic {
        if (parameters < 0 || optimizerValues < 0 || mergedAux < 0 || frozen < 0 || bytesPerValue <= 0 || keyedAux < 0
                || keyedAux > mergedAux) {
            throw new IllegalArgumentException("sizes must be non-negative, keyed rows part of the merged values and "
                    + "bytesPerValue positive: " + parameters + ", " + optimizerValues + ", " + mergedAux + ", " + frozen
                    + ", " + bytesPerValue + ", " + keyedAux);
        }
    }

    /** Without keyed rows. */
    public AveragingTraffic(long parameters, long optimizerValues, long mergedAux, long frozen, int bytesPerValue) {
        this(parameters, optimizerValues, mergedAux, frozen, bytesPerValue, 0);
    }

    /**
     * The sizes of {@code state}. A network that has not taken a step yet gets its optimizer state created here
     * ({@link ComputationGraph#getUpdater()}), as its first step would: from the second round on, every broadcast
     * carries it.
     */
    public static AveragingTraffic of(TrainingState state) {
        long params = 0;
        long optimizer = 0;
        long frozen = 0;
        int width = 0;
        for (Map.Entry<String, ComputationGraph> e : state.networks().asMap().entrySet()) {
            ComputationGraph g = e.getValue();
            width = Math.max(width, g.params().dataType().width());
            if (state.networks().frozen(e.getKey())) {
                frozen += g.numParams();
                continue;
            }
            params += g.numParams();
            ComputationGraphUpdater updater = g.getUpdater();
            INDArray view = updater == null ? null : updater.getStateViewArray();
            if (view != null) optimizer += view.length();
        }
        long merged = 0;
        long keyed = 0;
        for (Map.Entry<String, AuxState> e : state.aux().entrySet()) {
            if (e.getValue() instanceof KeyedState k) {
                merged += k.rows().length();
                keyed += k.rows().length();
            } else if (e.getValue() instanceof DenseState d) {
                if (d.rule() == MergeRule.AVERAGE) merged += d.value().length();
                else frozen += d.value().length();
            }
        }
        return new AveragingTraffic(params, optimizer, merged, frozen, width == 0 ? 4 : width, keyed);
    }

    /** Bytes of the state every worker receives every round. */
    public long broadcastBytes() {
        return bytesPerValue * (parameters + optimizerValues + mergedAux);
    }

    /** Bytes of the frozen components every executor receives once per training. */
    public long frozenBytes() {
        return bytesPerValue * frozen;
    }

    /** Bytes of the state every worker sends back. */
    public long returnedBytes() {
        return bytesPerValue * (parameters + optimizerValues + mergedAux);
    }

    /**
     * Bytes every worker receives every round in the compact exchange ({@code reid.distributed.exchange = compact}):
     * the parameters and merged auxiliary state, no optimizer state.
     */
    public long compactBroadcastBytes() {
        return bytesPerValue * (parameters + mergedAux);
    }

    /**
     * Bytes every worker sends back in the compact exchange: its change to the parameters and averaged dense state in
     * half precision, keyed rows exact, no optimizer state.
     */
    public long compactReturnedBytes() {
        return CHANGE_BYTES * (parameters + mergedAux - keyedAux) + bytesPerValue * keyedAux;
    }

    /** One round with {@code workers} workers whose states reach the driver as {@code driverResults} partial sums. */
    public Round round(int workers, int driverResults) {
        return round(workers, driverResults, false);
    }

    /**
     * The compact exchange with the workers' optimizer states averaged every {@code optimizerEvery} rounds
     * ({@code reid.distributed.optimizer-every}; 0 = never, {@link #round(int, int, boolean)}), per round on average:
     * of every {@code M} rounds one returns whole states and the next sends the optimizer state out with the parameters.
     */
    public Round compactRound(int workers, int driverResults, int optimizerEvery) {
        if (optimizerEvery < 0) throw new IllegalArgumentException("optimizerEvery must be >= 0, got " + optimizerEvery);
        Round c = round(workers, driverResults, true);
        if (optimizerEvery == 0) return c;
        long m = optimizerEvery;
        return new Round(workers, driverResults, ((m - 1) * compactBroadcastBytes() + broadcastBytes()) / m,
                ((m - 1) * compactReturnedBytes() + returnedBytes()) / m);
    }

    /** {@link #round(int, int)} in the full or the compact exchange. */
    public Round round(int workers, int driverResults, boolean compact) {
        if (workers < 1 || driverResults < 1 || driverResults > workers) {
            throw new IllegalArgumentException("need 1 <= driverResults <= workers, got " + driverResults + " of " + workers);
        }
        return compact ? new Round(workers, driverResults, compactBroadcastBytes(), compactReturnedBytes())
                : new Round(workers, driverResults, broadcastBytes(), returnedBytes());
    }

    /**
     * The bytes of one round. Its links work one after another (a round is synchronous): the state leaves the
     * driver, then (with a tree level) each executor of the level receives its share of the workers' states, then
     * the driver receives the partial sums. The serial bytes add what the busiest link carries at each stage.
     *
     * @param workers       workers in the round
     * @param driverResults partial sums that reach the driver (the workers' count when there is no tree level)
     * @param stateBytes    one copy of the broadcast state
     * @param returnedBytes one worker's returned state (a partial sum is as large)
     */
    public record Round(int workers, int driverResults, long stateBytes, long returnedBytes) {
        /** The state into every worker. */
        public long broadcastBytes() {
            return workers * stateBytes;
        }

        /** Every worker's state out of its executor: to the driver, or into the shuffle of a tree level. */
        public long workerBytes() {
            return workers * returnedBytes;
        }

        /** Whether the states pass a tree level before the driver. */
        public boolean tree() {
            return driverResults < workers;
        }

        /** The partial sums sent to the driver after a tree level (0 when the workers send to the driver). */
        public long treeToDriverBytes() {
            return tree() ? driverResults * returnedBytes : 0;
        }

        /** What the driver receives. */
        public long driverInBytes() {
            return driverResults * returnedBytes;
        }

        /** What one executor of the tree level receives: its share of the workers' states (0 without a level). */
        public long treeLevelInBytes() {
            return tree() ? ((workers + driverResults - 1) / driverResults) * returnedBytes : 0;
        }

        /** Every byte of the round on the network. */
        public long totalBytes() {
            return broadcastBytes() + workerBytes() + treeToDriverBytes();
        }

        /**
         * The fewest serial bytes: one copy of the state out of the driver (a torrent broadcast whose executors
         * pass the pieces on), a tree level's share into one executor, the partial sums into the driver.
         */
        public long serialMinBytes() {
            return stateBytes + treeLevelInBytes() + driverInBytes();
        }

        /** The most serial bytes: as {@link #serialMinBytes()} with the driver sending the state to every worker itself. */
        public long serialMaxBytes() {
            return broadcastBytes() + treeLevelInBytes() + driverInBytes();
        }
    }

    /**
     * What each worker's link carries per step in synchronous data parallelism by ring all-reduce of the gradients
     * (each way): {@code 2 (N - 1) / N} of the parameters, at this traffic's bytes per value; the parameter count
     * includes the batch-norm statistics DL4J keeps among the parameters (0.2% of ResNet-50's).
     */
    public long allReduceBytesPerStep(int workers) {
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        return Math.round(2.0 * (workers - 1) / workers * parameters * bytesPerValue);
    }

    /**
     * The fewest local steps per round for which {@code communicationSeconds} per round is at most {@code fraction} of
     * the round ({@code communication + K x stepSeconds}), with rounds synchronous and communication not overlapped.
     */
    public static int stepsForFraction(double communicationSeconds, double stepSeconds, double fraction) {
        if (stepSeconds <= 0 || fraction <= 0 || fraction >= 1) {
            throw new IllegalArgumentException("need stepSeconds > 0 and 0 < fraction < 1: " + stepSeconds + ", " + fraction);
        }
        return Math.max(1, (int) Math.ceil(communicationSeconds * (1 - fraction) / (fraction * stepSeconds) - 1e-9));
    }

    /** Seconds to move {@code bytes} at {@code gbitPerSecond} (10^9 bit/s), ignoring latency and protocol overhead. */
    public static double seconds(long bytes, double gbitPerSecond) {
        if (gbitPerSecond <= 0) throw new IllegalArgumentException("link speed must be positive: " + gbitPerSecond);
        return bytes * 8.0 / (gbitPerSecond * 1e9);
    }
}
