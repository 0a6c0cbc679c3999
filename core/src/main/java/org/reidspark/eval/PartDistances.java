package org.reidspark.eval;

import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Visibility-weighted part distances (DCR, Yang and Xu, Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723,
 * occluded matching): each image has P part features (L2-normalized by its method) and a visibility per part, and
 * <pre>
 *   d(q, g) = sum_k w_k d_k(q, g) / sum_k w_k,   w_k = vis_q[k] * vis_g[k],   d_k = 1 - cos(p_q[k], p_g[k])
 * </pre>
 * so parts hidden in either image count little. Where no part is visible in both ({@code sum_k w_k < 1e-12}) the
 * distance is the unweighted mean of the part distances.
 *
 * <p>Inputs: parts {@code [N, P * D]} (part k in columns {@code k*D .. (k+1)*D - 1}), visibility {@code [N, P]}. Each
 * part's columns are copied once into a contiguous {@code [N, D]} matrix and compared tile by tile with
 * {@link DistanceBlocks} (one {@code gemm} per part and tile); a chunk of rows of a tile at a time
 * (at most 2^18 distances, about 7 MB of scratch, reused).
 */
public final class PartDistances implements Distances {
    private static final double MIN_WEIGHT = 1e-12;
    private final DistanceBlocks[] parts;
    private final float[][] rowVis;
    private final float[][] colVis;
    private final int count;
    private final String describe;
    /** Elements of one chunk of a tile: bounds the scratch (a float and three double arrays) at about 7 MB. */
    private static final int CHUNK_ELEMENTS = 1 << 18;
    private float[] scratch = new float[0];
    private double[] num = new double[0];
    private double[] den = new double[0];
    private double[] plain = new double[0];

    /**
     * @param rowParts parts of the row images {@code [R, P * D]}
     * @param rowVis   their visibility {@code [R, P]}
     * @param colParts parts of the column images {@code [C, P * D]}
     * @param colVis   their visibility {@code [C, P]}
     * @param count    P
     * @param self     rows and columns are the same set (its part matrices are copied once)
     */
    public PartDistances(Embeddings rowParts, Embeddings rowVis, Embeddings colParts, Embeddings colVis, int count, boolean self) {
        if (count < 1) throw new IllegalArgumentException("need at least one part, got " + count);
        check(rowParts, rowVis, count);
        check(colParts, colVis, count);
        if (rowParts.dim() != colParts.dim()) throw Embeddings.dimMismatch(rowParts, colParts);
        this.count = count;
        int d = rowParts.dim() / count;
        this.parts = new DistanceBlocks[count];
        for (int k = 0; k < count; k++) {
            Embeddings r = slice(rowParts, k, d);
            Embeddings c = self ? r : slice(colParts, k, d);
            parts[k] = new DistanceBlocks(r, c, Metric.COSINE);
        }
        this.rowVis = rows(rowVis);
        this.colVis = self ? this.rowVis : rows(colVis);
        this.describe = "visibility-weighted cosine distances of " + count + " parts of " + rowParts.source() + " to "
                + colParts.source();
    }

    private static void check(Embeddings parts, Embeddings vis, int count) {
        if (parts.dim() % count != 0) {
            throw new IllegalArgumentException(parts.source() + " has " + parts.dim() + " columns, not a multiple of " + count + " parts");
        }
        if (vis.dim() != count) {
            throw new IllegalArgumentException(vis.source() + " has " + vis.dim() + " columns, expected one visibility per part (" + count + ")");
        }
        if (vis.rows() != parts.rows()) {
            throw new IllegalArgumentException(vis.source() + " has " + vis.rows() + " rows, " + parts.source() + " " + parts.rows());
        }
    }

    private static Embeddings slice(Embeddings parts, int k, int d) {
        return Embeddings.of(parts.source() + " part " + k, parts.matrix().get(NDArrayIndex.all(), NDArrayIndex.interval(k * d, (k + 1) * d)));
    }

    private static float[][] rows(Embeddings vis) {
        float[][] out = new float[vis.rows()][];
        for (int i = 0; i < out.length; i++) out[i] = vis.matrix().getRow(i).toFloatVector();
        return out;
    }

    /** Threads for each part's pass over a tile; returns this. */
    public PartDistances threads(int threads) {
        for (DistanceBlocks p : parts) p.threads(threads);
        return this;
    }

    @Override
    public int rows() {
        return parts[0].rows();
    }

    @Override
    public int cols() {
        return parts[0].cols();
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void tile(int r0, int n, int c0, int m, float[] dst, int off) {
        if (n == 0 || m == 0) return;
        int chunk = Math.max(1, Math.min(n, CHUNK_ELEMENTS / m));
        int size = chunk * m;
        if (scratch.length < size) {
            scratch = new float[size];
            num = new double[size];
            den = new double[size];
            plain = new double[size];
        }
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int rows = Math.min(chunk, n - i0);
            int len = rows * m;
            java.util.Arrays.fill(num, 0, len, 0);
            java.util.Arrays.fill(den, 0, len, 0);
            java.util.Arrays.fill(plain, 0, len, 0);
            for (int k = 0; k < count; k++) {
                parts[k].tile(r0 + i0, rows, c0, m, scratch, 0);
                for (int i = 0; i < rows; i++) {
                    float vr = rowVis[r0 + i0 + i][k];
                    int base = i * m;
                    for (int j = 0; j < m; j++) {
                        double w = (double) vr * colVis[c0 + j][k];
                        float dk = scratch[base + j];
                        num[base + j] += w * dk;
                        den[base + j] += w;
                        plain[base + j] += dk;
                    }
                }
            }
            int out = off + i0 * m;
            for (int e = 0; e < len; e++) dst[out + e] = (float) (den[e] >= MIN_WEIGHT ? num[e] / den[e] : plain[e] / count);
        }
    }

    @Override
    public float pair(int i, int j) {
        double num = 0;
        double den = 0;
        double plain = 0;
        for (int k = 0; k < count; k++) {
            double w = (double) rowVis[i][k] * colVis[j][k];
            double dk = parts[k].pair(i, j);
            num += w * dk;
            den += w;
            plain += dk;
        }
        return (float) (den >= MIN_WEIGHT ? num / den : plain / count);
    }
}
