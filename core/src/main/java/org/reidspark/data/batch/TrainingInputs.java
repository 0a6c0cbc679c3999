package org.reidspark.data.batch;

import org.reidspark.data.Sample;
import org.reidspark.data.augment.ImageTransform;
import org.reidspark.data.sampling.BatchSampler;
import org.reidspark.data.sampling.IdentitySampler;
import org.reidspark.data.sampling.RandomSampler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a method's training batches are, as the method declares them: how samples are grouped into batches
 * ({@link Sampling}), the image views each sample contributes (at least {@link Batch#IMAGES}; more for methods that
 * need e.g. an augmented surrogate of every anchor), and the extra per-sample arrays the batches carry
 * ({@link SampleField}). Both trainers (one JVM, and every Spark worker over its shard) build their batches from it.
 *
 * @param sampling how batches are drawn
 * @param views    image transform per view name, in order; must contain {@link Batch#IMAGES}
 * @param fields   extra per-sample arrays
 * @param copies   a published {@code augment} output whose stored copies a view reads
 *                 ({@link org.reidspark.data.augment.StoredSurrogateView}): the Spark trainer attaches them to its shards
 *                 ({@link org.reidspark.data.shard.Shard#withCopies}); empty for none
 */
public record TrainingInputs(Sampling sampling, Map<String, ImageTransform> views, List<SampleField> fields, String copies) {
    /** Without stored copies. */
    public TrainingInputs(Sampling sampling, Map<String, ImageTransform> views, List<SampleField> fields) {
        this(sampling, views, fields, "");
    }

    public TrainingInputs {
        if (copies == null) throw new IllegalArgumentException("training inputs need a copies location (empty for none)");
        if (sampling == null) throw new IllegalArgumentException("training inputs need a sampling");
        if (!views.containsKey(Batch.IMAGES)) {
            throw new IllegalArgumentException("training inputs need the view \"" + Batch.IMAGES + "\"; got " + views.keySet());
        }
        views = Collections.unmodifiableMap(new LinkedHashMap<>(views));
        fields = List.copyOf(fields);
        long distinct = fields.stream().map(SampleField::name).distinct().count();
        if (distinct != fields.size()) throw new IllegalArgumentException("per-sample fields with the same name: " + fields);
    }

    /** One view ({@link Batch#IMAGES}) from {@code transform}, no extra fields. */
    public static TrainingInputs of(Sampling sampling, ImageTransform transform) {
        return new TrainingInputs(sampling, Map.of(Batch.IMAGES, transform), List.of());
    }

    /** How a training set is cut into batches. */
    public interface Sampling {
        /** The sampler over {@code samples} (a training split or a shard of it), seeded by {@code seed}. */
        BatchSampler over(List<Sample> samples, long seed);

        /** Samples per batch. */
        int batchSize();

        /**
         * Steps per epoch for a worker that holds {@code images} training images: BoT's epoch-length estimate,
         * {@code max(1, images / batch size)} (the Spark trainer's epochs; the local trainer runs the sampler's own
         * epoch, whose length differs slightly).
         */
        default int stepsPerEpoch(long images) {
            return (int) Math.max(1, images / batchSize());
        }

        /**
         * Whether batches are formed by identity label. A sampling that does not ({@link #random}) can train on
         * shards cut by image ({@link org.reidspark.data.shard.ShardPlan#byImage}), so no label decides which images
         * a worker sees together.
         */
        default boolean usesLabels() {
            return true;
        }

        /** Consecutive images of one identity in a batch: K of P x K batches, 1 where batches are not by identity. */
        default int imagesPerIdentity() {
            return 1;
        }

        /**
         * Distinct identities a batch needs from the samples it is drawn from: P of P x K batches, 0 where batches are
         * not by identity. A training shard with fewer cannot be sampled ({@link IdentitySampler} refuses it).
         */
        default int identitiesPerBatch() {
            return 0;
        }
    }

    /** P x K identity batches ({@link IdentitySampler}): P identities, K images each. */
    public static Sampling identities(int p, int k) {
        if (p <= 0 || k <= 0) throw new IllegalArgumentException("P and K must be positive: P = " + p + ", K = " + k);
        return new Sampling() {
            @Override
            public BatchSampler over(List<Sample> samples, long seed) {
                return new IdentitySampler(samples, p, k, seed);
            }

            @Override
            public int batchSize() {
                return p * k;
            }

            @Override
            public int imagesPerIdentity() {
                return k;
            }

            @Override
            public int identitiesPerBatch() {
                return p;
            }

            @Override
            public String toString() {
                return "P" + p + " x K" + k + " identity batches";
            }
        };
    }

    /** Shuffled batches of {@code size} that ignore labels ({@link RandomSampler}). */
    public static Sampling random(int size) {
        if (size <= 0) throw new IllegalArgumentException("batch size must be positive: " + size);
        return new Sampling() {
            @Override
            public BatchSampler over(List<Sample> samples, long seed) {
                return new RandomSampler(samples, size, seed);
            }

            @Override
            public int batchSize() {
                return size;
            }

            @Override
            public boolean usesLabels() {
                return false;
            }

            @Override
            public String toString() {
                return "random batches of " + size;
            }
        };
    }
}
