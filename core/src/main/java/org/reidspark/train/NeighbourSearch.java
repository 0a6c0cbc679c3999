package org.reidspark.train;

/**
 * An exact nearest-neighbour search a trainer offers a step's work before an epoch ({@link Step#startEpoch(TrainingState,
 * int, NeighbourSearch)}): the Spark trainer's spreads the anchors over its executors (the {@code mine} job's blockwise
 * search), so a search over a set too large for the driver alone runs where the training does. Deterministic: the
 * same lists wherever it runs.
 */
public interface NeighbourSearch {
    /**
     * For each of the {@code n} rows of {@code rows} (row-major, {@code d} values each), its {@code min(k, n - 1)}
     * nearest other rows by Euclidean distance, nearest first, ties by the lower index.
     */
    int[][] neighbours(float[] rows, int n, int d, int k);
}
