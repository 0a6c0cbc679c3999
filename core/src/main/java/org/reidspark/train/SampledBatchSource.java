package org.reidspark.train;

import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.sampling.IdentitySampler;

import java.util.Iterator;

/**
 * Training batches: P x K identity batches from an {@link IdentitySampler}, assembled (decode, augment,
 * normalize) off the training thread by a {@link BatchLoader}. Deterministic in (seed, epoch).
 */
public final class SampledBatchSource implements BatchSource {
    private final IdentitySampler sampler;
    private final BatchLoader loader;
    private final int batchesPerEpoch;

    /** The loader must hold the sampler's samples in the same order (indices are shared). */
    public SampledBatchSource(IdentitySampler sampler, BatchLoader loader) {
        if (!sampler.samples().equals(loader.samples())) {
            throw new IllegalArgumentException("sampler and loader must be built over the same sample list");
        }
        this.sampler = sampler;
        this.loader = loader;
        this.batchesPerEpoch = sampler.epoch(0).size();
    }

    @Override
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public Iterator<Batch> epoch(int epoch) {
        return loader.epoch(epoch, sampler.epoch(epoch));
    }

    @Override
    public void close() {
        loader.close();
    }
}
