package org.reidspark.train;

/**
 * How a component of a {@link TrainingState} is merged when the parameter-averaging trainer combines
 * the states that workers produced from the same broadcast state.
 */
public enum MergeRule {
    /** Element-wise mean over workers: network parameters, batch-norm statistics, optimizer state, class centers. */
    AVERAGE,
    /** Per key: a row changed by some workers becomes the mean of their rows; a row nobody touched is kept (memory banks). */
    BY_KEY,
    /** Never changes during training: broadcast once, never merged (a frozen teacher, fixed class weights). */
    FROZEN
}
