package org.reidspark.train;

/**
 * Where a step is in training; the same on one JVM and on every Spark executor.
 *
 * @param epoch         current epoch, 0-based
 * @param epochs        epochs in the whole run
 * @param stepsPerEpoch steps a trainer (or one Spark worker) takes per epoch
 * @param iteration     steps taken before this one
 * @param lrFactor      the multiplier of the base learning rates for this epoch (schedule x worker scaling)
 * @param seed          a seed for this step's own randomness, derived from the run seed and iteration
 */
public record StepContext(int epoch, int epochs, int stepsPerEpoch, long iteration, double lrFactor, long seed) {
    public StepContext {
        if (epochs < 1 || epoch < 0 || stepsPerEpoch < 1) {
            throw new IllegalArgumentException("step context needs 0 <= epoch, epochs >= 1 and stepsPerEpoch >= 1: epoch "
                    + epoch + ", epochs " + epochs + ", steps per epoch " + stepsPerEpoch);
        }
    }

    /** The fraction of training done before this step, in [0, 1] (for schedules by progress: ramps, annealing). */
    public double progress() {
        return Math.min(1.0, (double) iteration / ((long) epochs * stepsPerEpoch));
    }
}
