package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import java.util.Iterator;

/**
 * The batches of one epoch, deterministic in (seed, epoch) so that a resumed run sees the same data.
 * Implementations may prepare batches on other threads; {@link #close()} stops them.
 */
public interface BatchSource extends AutoCloseable {
    /** How many batches {@link #epoch(int)} yields. */
    int batchesPerEpoch();

    Iterator<Batch> epoch(int epoch);

    @Override
    default void close() {
    }
}
