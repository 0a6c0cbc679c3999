package org.reidspark.train;

import org.reidspark.data.Sample;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.sampling.BatchSampler;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A method's training batches over a set of samples (a training split, or one Spark shard of it), as its
 * {@link TrainingInputs} declare them: the sampler groups samples into batches and a {@link BatchLoader} assembles
 * them (decode, views, keys, per-sample fields) off the training thread. Deterministic in (seed, epoch) and
 * (seed, round).
 */
public final class InputBatches implements BatchSource {
    private final BatchSampler sampler;
    private final BatchLoader loader;
    private final int batchesPerEpoch;
    private final long seed;

    /**
     * @param samples the samples to train on, in a fixed order
     * @param keys    their stable keys (index in the dataset's manifest), one per sample
     * @param images  where the images come from, by uri
     * @param seed    the seed sampling and augmentation derive from
     */
    public InputBatches(TrainingInputs inputs, List<Sample> samples, long[] keys, ImageSource images, LoaderConfig loader,
                        long seed) {
        this.sampler = inputs.sampling().over(samples, seed);
        this.loader = new BatchLoader(samples, keys, images, inputs.views(), inputs.fields(), loader, seed);
        this.batchesPerEpoch = sampler.epoch(0).size();
        this.seed = seed;
    }

    /** The seed sampling and augmentation derive from. */
    public long seed() {
        return seed;
    }

    /** Samples per batch. */
    public int batchSize() {
        return sampler.batchSize();
    }

    @Override
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public int batchesInEpoch(int epoch) {
        return sampler.epoch(epoch).size();
    }

    @Override
    public Iterator<Batch> epoch(int epoch) {
        return loader.epoch(epoch, sampler.epoch(epoch));
    }

    /**
     * The {@code steps} batches of averaging round {@code round} (a Spark worker's share of the round): the batches
     * of the sampler's epochs {@code round * 1000}, {@code round * 1000 + 1}, ... in order, as many as needed.
     */
    public Iterator<Batch> round(int round, int steps) {
        List<int[]> batches = new ArrayList<>(steps);
        for (int pass = 0; batches.size() < steps; pass++) {
            List<int[]> more = sampler.epoch(round * 1000 + pass);
            if (more.isEmpty()) throw new IllegalStateException("the sampler gives no batches over " + sampler.samples().size() + " samples");
            for (int i = 0; i < more.size() && batches.size() < steps; i++) batches.add(more.get(i));
        }
        return loader.epoch(round, batches);
    }

    @Override
    public void close() {
        loader.close();
    }
}
