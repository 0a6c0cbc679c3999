package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one place a method's {@link Step} runs, for both trainers: a {@link LocalTrainer} runs rounds of its epoch's
 * batches in one JVM, and every Spark worker of the parameter-averaging trainer runs one round of K steps over its
 * shard between two averagings. A round sets each network's learning rate (the method's {@link LearningRates} times
 * the schedule's factor), builds each step's {@link StepContext} (real epoch, epochs and steps per epoch everywhere,
 * so schedules by progress behave the same on Spark), runs the steps and stops at the first step whose loss terms
 * are not finite, leaving that step's update out and reporting it in the {@link Result} for the trainer's guard.
 */
public final class Round {
    private final Step step;
    private final LearningRates rates;
    private final int epochs;
    private final int stepsPerEpoch;

    /**
     * @param epochs        epochs in the run
     * @param stepsPerEpoch steps per epoch of this trainer (or of one Spark worker)
     */
    public Round(Step step, LearningRates rates, int epochs, int stepsPerEpoch) {
        this.step = step;
        this.rates = rates;
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /** Called after each step that went through. */
    public interface StepListener {
        void afterStep(Batch batch, Map<String, Double> losses);
    }

    /**
     * Runs up to {@code maxSteps} steps on {@code state} with the next batches of {@code batches}.
     *
     * @param epoch    the epoch (0-based)
     * @param lrFactor the factor on the base learning rates (schedule x worker scaling)
     * @param seed     the seed each step's context seed derives from, with the iteration ({@link #mix})
     * @param listener called after each step, or null
     */
    public Result run(TrainingState state, int epoch, double lrFactor, Iterator<Batch> batches, int maxSteps, long seed,
                      StepListener listener) {
        long t0 = System.nanoTime();
        rates.apply(state.networks(), lrFactor);
        Result result = new Result();
        while (result.steps < maxSteps && batches.hasNext()) {
            Batch batch = batches.next();
            StepContext ctx = new StepContext(epoch, epochs, stepsPerEpoch, state.iteration(), lrFactor,
                    mix(seed, state.iteration()));
            Map<String, Double> losses = step.apply(batch, state, ctx);
            if (!losses.containsKey("loss")) throw new IllegalStateException("a step must report its total as \"loss\"");
            if (losses.values().stream().anyMatch(v -> !Double.isFinite(v))) {
                result.diverged = new LinkedHashMap<>(losses);
                result.divergedAt = state.iteration();
                break;
            }
            state.advanceIteration();
            result.steps++;
            result.images += batch.size();
            losses.forEach((k, v) -> result.lossSums.merge(k, v, Double::sum));
            if (listener != null) listener.afterStep(batch, losses);
        }
        result.maxSeconds = (System.nanoTime() - t0) / 1e9;
        return result;
    }

    /** A well-mixed 64-bit seed from (run seed, counter) (SplitMix64 finalizer). */
    public static long mix(long seed, long counter) {
        long z = seed * 0x9E3779B97F4A7C15L + counter + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** What rounds did: loss sums, steps and images, the slowest worker's time, and a step that diverged. */
    public static final class Result implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, Double> lossSums = new TreeMap<>();
        private long steps;
        private long images;
        private double maxSeconds;
        private Map<String, Double> diverged;
        private long divergedAt = -1;

        /** Adds another worker's (or round's) result: sums, counts, the longer time, the first divergence. */
        public Result combine(Result o) {
            o.lossSums.forEach((k, v) -> lossSums.merge(k, v, Double::sum));
            steps += o.steps;
            images += o.images;
            maxSeconds = Math.max(maxSeconds, o.maxSeconds);
            if (diverged == null && o.diverged != null) {
                diverged = o.diverged;
                divergedAt = o.divergedAt;
            }
            return this;
        }

        /** Mean of each loss term over the steps that went through. */
        public Map<String, Double> meanLosses() {
            Map<String, Double> m = new TreeMap<>();
            lossSums.forEach((k, v) -> m.put(k, v / Math.max(1, steps)));
            return m;
        }

        public long steps() {
            return steps;
        }

        public long images() {
            return images;
        }

        /** Seconds of the round (the slowest worker's, once combined). */
        public double seconds() {
            return maxSeconds;
        }

        /** The loss terms of the step that was not finite, or null. */
        public Map<String, Double> diverged() {
            return diverged;
        }

        /** The iteration of the step that was not finite, or -1. */
        public long divergedAt() {
            return divergedAt;
        }
    }
}
