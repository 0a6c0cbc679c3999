package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import java.util.Map;

/**
 * One update of a method's networks from one batch. A step reads and writes only the
 * {@link TrainingState} it is given (networks, optimizer state, auxiliary state), so the same step runs
 * in the local trainer and, unchanged, on every Spark executor of the parameter-averaging trainer.
 */
public interface Step {
    /**
     * Performs the update.
     *
     * @return the loss terms of this step by name, always including {@code "loss"} (the weighted total)
     */
    Map<String, Double> apply(Batch batch, TrainingState state, StepContext context);
}
