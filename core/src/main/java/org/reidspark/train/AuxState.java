package org.reidspark.train;

/**
 * Auxiliary training state that is not a network: class centers, a memory bank keyed by image, a frozen
 * table. Each declares its {@link MergeRule}.
 */
public sealed interface AuxState permits DenseState, KeyedState {
    MergeRule rule();

    /** A deep copy (workers mutate their own copies). */
    AuxState copy();
}
