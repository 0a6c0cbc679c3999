package org.reidspark.eval;

import java.io.Serializable;
import java.util.List;

/**
 * A method's rule for comparing a query's {@link TestFeatures} with a gallery image's: which arrays it reads and
 * how they become one distance (smaller is closer). The evaluation engine computes the distances blockwise from it
 * ({@link Distances}), never holding more than one block.
 */
public sealed interface Matching extends Serializable permits Matching.ByEmbedding, Matching.VisibleParts {
    /** The distances of {@code rows} to {@code cols} (the same object for a set against itself). */
    Distances distances(TestFeatures rows, TestFeatures cols, int threads);

    /** The arrays the rule reads. */
    List<String> arrays();

    /** What the rule is, for logs and metrics.json. */
    String describe();

    /** One embedding per image and a metric (BoT, CAL: cosine on the BNNeck embedding). */
    static Matching embedding(Metric metric) {
        return new ByEmbedding(TestFeatures.EMBEDDING, metric);
    }

    /**
     * {@code metric} distances of array {@code array}.
     *
     * @param array  the array compared ({@link TestFeatures#EMBEDDING} for most methods)
     * @param metric cosine or Euclidean
     */
    record ByEmbedding(String array, Metric metric) implements Matching {
        @Override
        public Distances distances(TestFeatures rows, TestFeatures cols, int threads) {
            return new DistanceBlocks(rows.get(array), cols.get(array), metric).threads(threads);
        }

        @Override
        public List<String> arrays() {
            return List.of(array);
        }

        @Override
        public String describe() {
            return metric + " distance of " + array;
        }
    }

    /**
     * Part distances weighted by both images' part visibility (DCR's occluded matching,
     * https://doi.org/10.1016/j.neucom.2024.128723): {@link PartDistances}.
     *
     * @param parts      the part features array, {@code [N, count * D]}
     * @param visibility the visibility array, {@code [N, count]}
     * @param count      parts per image
     */
    record VisibleParts(String parts, String visibility, int count) implements Matching {
        public VisibleParts {
            if (count < 1) throw new IllegalArgumentException("visibility-weighted matching needs at least one part, got " + count);
        }

        /** {@link TestFeatures#PARTS} weighted by {@link TestFeatures#VISIBILITY}. */
        public VisibleParts(int count) {
            this(TestFeatures.PARTS, TestFeatures.VISIBILITY, count);
        }

        @Override
        public Distances distances(TestFeatures rows, TestFeatures cols, int threads) {
            return new PartDistances(rows.get(parts), rows.get(visibility), cols.get(parts), cols.get(visibility), count,
                    rows == cols).threads(threads);
        }

        @Override
        public List<String> arrays() {
            return List.of(parts, visibility);
        }

        @Override
        public String describe() {
            return "visibility-weighted cosine distance of " + count + " parts";
        }
    }
}
