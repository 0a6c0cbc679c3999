package org.reidspark.eval;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;

/**
 * Distances between two sets of embeddings ({@link Metric}), computed tile by tile with ND4J's matrix multiply
 * (one {@code gemm} per tile; on this project's machines it ran at the machine's matrix-multiply rate, some 50x a
 * plain-Java kernel, see docs/performance.md), so no more than one tile of the {@code rows x cols} matrix exists at a time. Tiles land
 * in Java float arrays, row-major.
 *
 * <p>Memory: the two embedding matrices (ND4J, off heap, not copied) plus one output tile (off heap, reused).
 * Cosine distances come from the dot products of the embeddings as given, divided by both norms in the pass that
 * copies each tile out (the same value as normalizing first, up to float32 rounding). Not thread-safe; each {@code gemm} uses ND4J's own threads ({@code OMP_NUM_THREADS}).
 */
public final class DistanceBlocks implements Distances {
    private final Embeddings rowSet;
    private final Embeddings colSet;
    private final Metric metric;
    private final INDArray a;
    private final INDArray b;
    /** Cosine: 1 / norm of each row; Euclidean: squared norm. */
    private final float[] rowScale;
    private final float[] colScale;
    private final int rows;
    private final int cols;
    private final int dim;
    private int threads = Runtime.getRuntime().availableProcessors();
    private DataBuffer out;
    private long outCapacity;
    private volatile FloatBuffer[] views;

    public DistanceBlocks(Embeddings rowSet, Embeddings colSet, Metric metric) {
        if (rowSet.dim() != colSet.dim()) throw Embeddings.dimMismatch(rowSet, colSet);
        this.rowSet = rowSet;
        this.colSet = colSet;
        this.metric = metric;
        this.rows = rowSet.rows();
        this.cols = colSet.rows();
        this.dim = rowSet.dim();
        this.a = rowSet.matrix();
        this.b = colSet.matrix();
        float[] rowNorm = norms(a);
        float[] colNorm = rowSet == colSet ? rowNorm : norms(b);
        // Cosine: the gemm runs on the embeddings as they are and the Java pass over each tile divides by both
        // norms, so no normalized copy is made. Euclidean: squared norms.
        this.rowScale = scale(rowNorm, metric);
        this.colScale = rowSet == colSet ? rowScale : scale(colNorm, metric);
    }

    /** Distances of a set to itself (the symmetric case re-ranking uses). */
    public static DistanceBlocks self(Embeddings set, Metric metric) {
        return new DistanceBlocks(set, set, metric);
    }

    private static float[] norms(INDArray m) {
        return m.norm2(1).toFloatVector();
    }

    private static float[] scale(float[] norms, Metric metric) {
        float[] s = new float[norms.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = metric == Metric.COSINE ? (float) (1.0 / Math.max(norms[i], 1e-12)) : norms[i] * norms[i];
        }
        return s;
    }

    /** Threads for the Java pass over each tile (default: all processors); returns this. */
    public DistanceBlocks threads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        return this;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public String describe() {
        return metric + " distances of " + rowSet.source() + " to " + colSet.source();
    }

    public Metric metric() {
        return metric;
    }

    /** Multiply-add operations for the whole matrix (2 rows cols dim flops). */
    public double flops() {
        return 2.0 * rows * cols * dim;
    }

    @Override
    public void tile(int r0, int n, int c0, int m, float[] dst, int off) {
        if (r0 < 0 || n < 0 || r0 + n > rows || c0 < 0 || m < 0 || c0 + m > cols) {
            throw new IllegalArgumentException("tile rows " + r0 + "+" + n + ", cols " + c0 + "+" + m
                    + " outside " + rows + " x " + cols);
        }
        if (n == 0 || m == 0) return;
        long size = (long) n * m;
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tile of " + size + " elements is too large");
        if (off < 0 || off + size > dst.length) {
            throw new IllegalArgumentException("tile of " + size + " elements does not fit the destination from " + off);
        }
        if (size > outCapacity) {
            out = Nd4j.createBuffer(DataType.FLOAT, size, false);
            outCapacity = size;
        }
        INDArray x = a.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all());
        INDArray y = b.get(NDArrayIndex.interval(c0, c0 + m), NDArrayIndex.all());
        INDArray c = Nd4j.create(out, new long[] {n, m}, new long[] {m, 1}, 0L, 'c', DataType.FLOAT);
        Nd4j.gemm(x, y, c, false, true, 1.0, 0.0);
        FloatBuffer fb = out.asNioFloat();
        fb.position(0);
        fb.get(dst, off, (int) size);
        transform(r0, n, c0, m, dst, off);
    }

    /** Dot products to distances, in place; rows split over a few threads. */
    private void transform(int r0, int n, int c0, int m, float[] dst, int off) {
        float[] rs = rowScale;
        float[] cs = colScale;
        boolean cosine = metric == Metric.COSINE;
        Parallel.forChunks(threads, n, Math.max(1, (1 << 16) / Math.max(1, m)), () -> null, (from, to, unused) -> {
            for (int i = from; i < to; i++) {
                float ri = rs[r0 + i];
                int base = off + i * m;
                if (cosine) {
                    for (int j = 0; j < m; j++) dst[base + j] = 1f - dst[base + j] * ri * cs[c0 + j];
                } else {
                    for (int j = 0; j < m; j++) {
                        float s = ri + cs[c0 + j] - 2f * dst[base + j];
                        dst[base + j] = s > 0f ? (float) Math.sqrt(s) : 0f;
                    }
                }
            }
        });
    }

    private FloatBuffer[] views() {
        FloatBuffer[] v = views;
        if (v == null) {
            synchronized (this) {
                if (views == null) views = new FloatBuffer[] {a.data().asNioFloat(), b.data().asNioFloat()};
                v = views;
            }
        }
        return v;
    }

    /**
     * The distance of row i to column j alone, with a dot product in double precision (it may differ from the
     * tile's float32 {@code gemm} result in the last bits).
     */
    @Override
    public float pair(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) throw new IllegalArgumentException("pair " + i + ", " + j + " outside " + rows + " x " + cols);
        FloatBuffer[] views = views();
        FloatBuffer x = views[0];
        FloatBuffer y = views[1];
        long xi = a.offset() + (long) i * dim;
        long yj = b.offset() + (long) j * dim;
        double dot = 0;
        for (int k = 0; k < dim; k++) dot += (double) x.get((int) (xi + k)) * y.get((int) (yj + k));
        if (metric == Metric.COSINE) return (float) (1.0 - dot * rowScale[i] * colScale[j]);
        double s = (double) rowScale[i] + colScale[j] - 2 * dot;
        return s > 0 ? (float) Math.sqrt(s) : 0f;
    }
}
