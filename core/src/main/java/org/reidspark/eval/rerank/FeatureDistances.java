package org.reidspark.eval.rerank;

import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Parallel;

/**
 * {@link CombinedDistances} computed from query and gallery embeddings: the matrix is symmetric, so only tiles on
 * and above the diagonal are computed (about half the multiply work of a full matrix), each standing for its
 * mirror too. Pairs are computed alone in double precision and may differ from tile values in the last bits.
 */
public final class FeatureDistances implements CombinedDistances {
    private final int nq;
    private final int ng;
    private final DistanceBlocks blocks;
    private final int threads;

    public FeatureDistances(Embeddings query, Embeddings gallery, Metric metric, int threads) {
        this.nq = query.rows();
        this.ng = gallery.rows();
        this.blocks = DistanceBlocks.self(Embeddings.concat(query.source() + " + " + gallery.source(), query, gallery), metric)
                .threads(threads);
        this.threads = threads;
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
        return blocks.metric() + " distances of " + nq + " query and " + ng + " gallery embeddings";
    }

    /** Multiply-add work of the half matrix, for rate reports. */
    public double halfFlops() {
        return blocks.flops() / 2;
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
