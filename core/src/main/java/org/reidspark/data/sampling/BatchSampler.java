package org.reidspark.data.sampling;

import org.reidspark.data.Sample;

import java.util.List;

/**
 * Which samples form each training batch of an epoch, as a pure function of (seed, epoch) and the samples given
 * (all of a dataset's training split, or one Spark shard of it): {@link IdentitySampler} (P x K identities for
 * in-batch losses), {@link RandomSampler} (shuffled, labels not needed).
 */
public interface BatchSampler {
    /** The samples batches index into, in a fixed order. */
    List<Sample> samples();

    /** Samples per batch. */
    int batchSize();

    /** The batches of {@code epoch}: each a list of indices into {@link #samples()}. */
    List<int[]> epoch(int epoch);
}
