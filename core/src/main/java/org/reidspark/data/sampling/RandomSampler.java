package org.reidspark.data.sampling;

import org.reidspark.data.Sample;
import org.reidspark.data.Seeds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Shuffled batches of a fixed size that do not look at labels (unlabeled training such as PAUL's): every epoch the
 * samples are permuted and cut into batches, the incomplete last one dropped (PyTorch's {@code shuffle=True,
 * drop_last=True}). A function of (seed, epoch) and the samples given.
 */
public final class RandomSampler implements BatchSampler {
    private static final long STREAM = 0x52414E44L; // tags the sampler's random stream

    private final List<Sample> samples;
    private final int batchSize;
    private final long seed;

    public RandomSampler(List<Sample> samples, int batchSize, long seed) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        if (samples.size() < batchSize) {
            throw new IllegalArgumentException("random batches of " + batchSize + " need at least that many samples, got "
                    + samples.size());
        }
        this.samples = List.copyOf(samples);
        this.batchSize = batchSize;
        this.seed = seed;
    }

    @Override
    public List<Sample> samples() {
        return samples;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public List<int[]> epoch(int epoch) {
        SplittableRandom rnd = Seeds.random(seed, STREAM, epoch);
        int n = samples.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<int[]> batches = new ArrayList<>(n / batchSize);
        for (int start = 0; start + batchSize <= n; start += batchSize) {
            int[] b = new int[batchSize];
            System.arraycopy(order, start, b, 0, batchSize);
            batches.add(b);
        }
        return Collections.unmodifiableList(batches);
    }
}
