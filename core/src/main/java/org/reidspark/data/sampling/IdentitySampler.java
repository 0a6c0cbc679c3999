package org.reidspark.data.sampling;

import org.reidspark.data.Sample;
import org.reidspark.data.Seeds;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * P x K identity sampling for batch-hard triplet losses (Hermans et al., https://arxiv.org/abs/1703.07737), as
 * BoT's {@code RandomIdentitySampler} does it (https://arxiv.org/abs/1903.07071, {@code reid-strong-baseline}'s
 * {@code data/samplers/triplet_sampler.py}, also fast-reid's original one): every epoch, each identity's images are
 * shuffled (an identity with fewer than K is first drawn K times with replacement) and cut into groups of K,
 * dropping the remainder; then, while at least P identities still have groups, P distinct ones are drawn at random
 * and each gives its next group. An epoch thus covers the training images about once, each identity's images in
 * roughly {@code n / K} batches. A batch is {@code P * K} indices into the sampler's sample list, K consecutive per
 * identity. Everything is a function of (seed, epoch), and of the samples given, which may be any subset (for
 * example a Spark identity shard); identities are the samples' {@code label}s.
 */
public final class IdentitySampler implements BatchSampler {
    private static final long STREAM = 0x5A4D504CL; // tags the sampler's random stream

    private final List<Sample> samples;
    private final int p;
    private final int k;
    private final long seed;
    private final int[] labels;
    private final int[][] members;

    /**
     * @param samples training samples (every one with a label &gt;= 0), in a fixed order: batches index into it
     * @param p       identities per batch
     * @param k       images per identity in a batch
     * @param seed    the seed every epoch's order derives from
     */
    public IdentitySampler(List<Sample> samples, int p, int k, long seed) {
        if (p <= 0 || k <= 0) throw new IllegalArgumentException("P and K must be positive: P = " + p + ", K = " + k);
        this.samples = List.copyOf(samples);
        this.p = p;
        this.k = k;
        this.seed = seed;
        TreeMap<Integer, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < this.samples.size(); i++) {
            Sample s = this.samples.get(i);
            if (s.label() < 0) throw new IllegalArgumentException("identity sampling needs labelled samples: " + s.uri());
            byLabel.computeIfAbsent(s.label(), l -> new ArrayList<>()).add(i);
        }
        if (byLabel.size() < p) {
            throw new IllegalArgumentException("identity sampler: " + byLabel.size() + " identities in " + samples.size()
                    + " samples, fewer than P = " + p + " (reid.sampler.p); each batch needs P distinct identities");
        }
        labels = new int[byLabel.size()];
        members = new int[byLabel.size()][];
        int j = 0;
        for (var e : byLabel.entrySet()) {
            labels[j] = e.getKey();
            members[j++] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
        }
    }

    public static IdentitySampler of(List<Sample> samples, SamplerConfig config, long seed) {
        return new IdentitySampler(samples, config.p(), config.k(), seed);
    }

    @Override
    public List<Sample> samples() {
        return samples;
    }

    public int p() {
        return p;
    }

    public int k() {
        return k;
    }

    @Override
    public int batchSize() {
        return p * k;
    }

    /** Number of identities (distinct labels). */
    public int identities() {
        return labels.length;
    }

    /**
     * BoT's epoch length estimate in images: per identity {@code max(n, K)} rounded down to a multiple of K.
     * The batches actually drawn cover at most this many (fewer when the last identities left are under P).
     */
    public long imagesPerEpoch() {
        long total = 0;
        for (int[] m : members) {
            int n = Math.max(m.length, k);
            total += n - n % k;
        }
        return total;
    }

    /** The batches of {@code epoch}: each {@code P * K} indices into {@link #samples()}. */
    @Override
    public List<int[]> epoch(int epoch) {
        SplittableRandom rnd = Seeds.random(seed, STREAM, epoch);
        int ids = labels.length;
        List<ArrayDeque<int[]>> groups = new ArrayList<>(ids);
        for (int[] m : members) {
            int[] idx;
            if (m.length < k) {
                idx = new int[k];
                for (int i = 0; i < k; i++) idx[i] = m[rnd.nextInt(m.length)];
            } else {
                idx = m.clone();
            }
            shuffle(idx, rnd);
            ArrayDeque<int[]> g = new ArrayDeque<>();
            for (int start = 0; start + k <= idx.length; start += k) {
                int[] group = new int[k];
                System.arraycopy(idx, start, group, 0, k);
                g.add(group);
            }
            groups.add(g);
        }
        int[] available = new int[ids];
        for (int i = 0; i < ids; i++) available[i] = i;
        int count = ids;
        List<int[]> batches = new ArrayList<>();
        while (count >= p) {
            // P distinct identities: a partial Fisher-Yates shuffle of the available ones
            for (int i = 0; i < p; i++) {
                int j = i + rnd.nextInt(count - i);
                int t = available[i];
                available[i] = available[j];
                available[j] = t;
            }
            int[] batch = new int[p * k];
            for (int i = 0; i < p; i++) System.arraycopy(groups.get(available[i]).poll(), 0, batch, i * k, k);
            batches.add(batch);
            // drop the identities that ran out (from the back, so positions below stay valid)
            for (int i = p - 1; i >= 0; i--) {
                if (groups.get(available[i]).isEmpty()) available[i] = available[--count];
            }
        }
        return Collections.unmodifiableList(batches);
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
