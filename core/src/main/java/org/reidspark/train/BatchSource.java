package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import java.util.Iterator;

/**
 * The batches of one epoch, deterministic in (seed, epoch) so that a resumed run sees the same data.
 * Implementations may prepare batches on other threads; {@link #close()} stops them.
 */
public interface BatchSource extends AutoCloseable {
    /**
     * How many batches {@link #epoch(int)} yields for epoch 0: the size of an epoch for planning (an identity sampler's
     * epochs differ by a batch or two, see {@link #batchesInEpoch(int)}).
     */
    int batchesPerEpoch();

    /** How many batches {@link #epoch(int)} yields for {@code epoch}. */
    default int batchesInEpoch(int epoch) {
        return batchesPerEpoch();
    }

    Iterator<Batch> epoch(int epoch);

    @Override
    default void close() {
    }
}
