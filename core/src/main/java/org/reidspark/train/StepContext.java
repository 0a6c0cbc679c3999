package org.reidspark.train;

/**
 * Where a step is in training.
 *
 * @param epoch     current epoch, 0-based
 * @param epochs    epochs in the whole run
 * @param iteration steps taken before this one
 * @param lrFactor  the schedule's multiplier of the base learning rates for this epoch
 * @param seed      a seed for this step's own randomness, derived from the run seed and iteration
 */
public record StepContext(int epoch, int epochs, long iteration, double lrFactor, long seed) {
}
