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

    /**
     * Runs once before epoch {@code epoch}'s (0-based) first step, on the trainer's driver (the local trainer's JVM, the
     * Spark job's driver) with the whole state: work over the whole training set that no worker's step can do, such as
     * PAUL's global negative mining. What it writes to the state reaches every worker with the next broadcast and is
     * checkpointed with it; it must not depend on anything but the state and {@code epoch}, so a resumed run does what
     * an uninterrupted one did. Nothing by default.
     */
    default void startEpoch(TrainingState state, int epoch) {
    }

    /**
     * {@link #startEpoch(TrainingState, int)} with the search the trainer's workers offer (null where there are none:
     * the local trainer), for work over a set too large for the driver alone. By default the same as without it.
     */
    default void startEpoch(TrainingState state, int epoch, NeighbourSearch workers) {
        startEpoch(state, epoch);
    }
}
