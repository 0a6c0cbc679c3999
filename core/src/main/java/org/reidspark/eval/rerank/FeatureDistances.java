package org.reidspark.eval.rerank;

import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Distances;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Parallel;

/**
 * {@link CombinedDistances} computed from query and gallery features: from embeddings with a metric, or from any
 * symmetric {@link Distances} over the queries followed by the gallery (a method's matching rule). The matrix is
 * symmetric, so only tiles on and above the diagonal are computed (about half the work of a full matrix), each
 * standing for its mirror too. Pairs are computed alone and may differ from tile values in the last bits.
 */
public final class FeatureDistances implements CombinedDistances {
    private final int nq;
    private final int ng;
    private final Distances blocks;
    private final int threads;
    private final double halfFlops;

    public FeatureDistances(Embeddings query, Embeddings gallery, Metric metric, int threads) {
        this(DistanceBlocks.self(Embeddings.concat(query.source() + " + " + gallery.source(), query, gallery), metric)
                .threads(threads), query.rows(), threads);
    }

    /**
     * @param self    the distances of the queries followed by the gallery to the same set (square, symmetric)
     * @param queries how many of its rows are queries
     */
    public FeatureDistances(Distances self, int queries, int threads) {
        if (self.rows() != self.cols() || queries < 0 || queries > self.rows()) {
            throw new IllegalArgumentException("combined distances need a square matrix over queries then gallery: "
                    + self.rows() + " x " + self.cols() + " with " + queries + " queries");
        }
        this.nq = queries;
        this.ng = self.rows() - queries;
        this.blocks = self;
        this.threads = threads;
        this.halfFlops = self instanceof DistanceBlocks d ? d.flops() / 2 : Double.NaN;
    }

    @Override
    public int queries() {
        return nq;
    }

    @Override
    public int gallery() {
        return ng;
    }

    @Override
    public String describe() {
        return blocks.describe() + " (" + nq + " queries, " + ng + " gallery images)";
    }

    /** Multiply-add work of the half matrix from embeddings, for rate reports (NaN for other distances). */
    public double halfFlops() {
        return halfFlops;
    }

    @Override
    public void tiles(long tileBytes, TileConsumer consumer) throws java.io.IOException {
        int n = size();
        int t = (int) Math.max(1, Math.min(n, (long) Math.sqrt(tileBytes / 4.0)));
        float[] buf = new float[t * t];
        for (int r0 = 0; r0 < n; r0 += t) {
            int nr = Math.min(t, n - r0);
            for (int c0 = r0; c0 < n; c0 += t) {
                int nc = Math.min(t, n - c0);
                blocks.tile(r0, nr, c0, nc, buf, 0);
                square(buf, nr * nc);
                consumer.accept(r0, nr, c0, nc, buf, c0 != r0);
            }
        }
    }

    private void square(float[] buf, int len) {
        Parallel.forChunks(threads, len, 1 << 16, () -> null, (from, to, s) -> {
            for (int k = from; k < to; k++) buf[k] = buf[k] * buf[k];
        });
    }

    @Override
    public void rows(int r0, int n, float[] dst) {
        blocks.rows(r0, n, dst, 0);
        square(dst, n * size());
    }

    @Override
    public void gather(int[][] cols, float[][] out) {
        Parallel.forChunks(threads, cols.length, 64, () -> null, (from, to, s) -> {
            for (int i = from; i < to; i++) {
                if (cols[i] == null) continue;
                for (int k = 0; k < cols[i].length; k++) {
                    float d = blocks.pair(i, cols[i][k]);
                    out[i][k] = d * d;
                }
            }
        });
    }
}
