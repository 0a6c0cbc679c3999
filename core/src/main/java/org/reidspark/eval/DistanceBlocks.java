package org.reidspark.eval;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;

/**
 * Distances between two sets of embeddings ({@link Metric}), computed tile by tile with ND4J's matrix multiply
 * (one {@code gemm} per tile: about 7x faster than a plain-Java kernel on this project's machines, see
 * docs/performance.md), so no more than one tile of the {@code rows x cols} matrix exists at a time. Tiles land
 * in Java float arrays, row-major.
 *
 * <p>Memory: the two embedding matrices (ND4J, off heap; cosine keeps L2-normalized copies) plus one output
 * tile (off heap, reused). Not thread-safe; each {@code gemm} uses ND4J's own threads ({@code OMP_NUM_THREADS}).
 */
public final class DistanceBlocks {
    private final Embeddings rowSet;
    private final Embeddings colSet;
    private final Metric metric;
    private final INDArray a;
    private final INDArray b;
    private final float[] rowSq;
    private final float[] colSq;
    private final int rows;
    private final int cols;
    private final int dim;
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
        if (metric == Metric.COSINE) {
            a = normalized(rowSet.matrix());
            b = rowSet == colSet ? a : normalized(colSet.matrix());
            rowSq = null;
            colSq = null;
        } else {
            a = rowSet.matrix();
            b = colSet.matrix();
            rowSq = squaredNorms(a);
            colSq = rowSet == colSet ? rowSq : squaredNorms(b);
        }
    }

    /** Distances of a set to itself (the symmetric case re-ranking uses). */
    public static DistanceBlocks self(Embeddings set, Metric metric) {
        return new DistanceBlocks(set, set, metric);
    }

    private static INDArray normalized(INDArray m) {
        INDArray norms = org.nd4j.linalg.ops.transforms.Transforms.max(m.norm2(1), 1e-12).reshape(m.rows(), 1);
        return m.divColumnVector(norms).dup('c');
    }

    private static float[] squaredNorms(INDArray m) {
        INDArray n = m.mul(m).sum(1);
        return n.toFloatVector();
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public Metric metric() {
        return metric;
    }

    /** Multiply-add operations for the whole matrix (2 rows cols dim flops). */
    public double flops() {
        return 2.0 * rows * cols * dim;
    }

    /**
     * Distances of rows {@code [r0, r0+n)} to columns {@code [c0, c0+m)}: element (i, j) goes to
     * {@code dst[off + i*m + j]}.
     */
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
        if (metric == Metric.COSINE) {
            for (int k = off, end = (int) (off + size); k < end; k++) dst[k] = 1f - dst[k];
        } else {
            for (int i = 0; i < n; i++) {
                float ri = rowSq[r0 + i];
                int base = off + i * m;
                for (int j = 0; j < m; j++) {
                    float s = ri + colSq[c0 + j] - 2f * dst[base + j];
                    dst[base + j] = s > 0f ? (float) Math.sqrt(s) : 0f;
                }
            }
        }
    }

    /** Distances of rows {@code [r0, r0+n)} to every column, row-major into {@code dst} from {@code off}. */
    public void rows(int r0, int n, float[] dst, int off) {
        tile(r0, n, 0, cols, dst, off);
    }

    /** How many whole rows fit in {@code bytes} of float32 (at least 1). */
    public int rowsPerBlock(long bytes) {
        return (int) Math.max(1, Math.min(rows, bytes / (4L * cols)));
    }

    /** One block of rows as it is computed. */
    public interface RowBlockConsumer {
        void accept(int firstRow, int rows, float[] data) throws java.io.IOException;
    }

    /**
     * Computes the matrix row block by row block (each at most {@code blockBytes}) and hands each to
     * {@code consumer}; the array is reused between calls.
     */
    public void forEachRowBlock(long blockBytes, RowBlockConsumer consumer) throws java.io.IOException {
        int per = rowsPerBlock(blockBytes);
        float[] buf = new float[per * cols];
        for (int r0 = 0; r0 < rows; r0 += per) {
            int n = Math.min(per, rows - r0);
            rows(r0, n, buf, 0);
            consumer.accept(r0, n, buf);
        }
    }

    /** The whole {@code rows x cols} matrix (only for sizes that fit one Java array). */
    public float[] matrix() {
        long size = (long) rows * cols;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rowSet.source() + " x " + colSet.source() + ": a " + rows + " x " + cols
                    + " matrix does not fit one array; use forEachRowBlock");
        }
        float[] m = new float[(int) size];
        int per = rowsPerBlock(256L << 20);
        for (int r0 = 0; r0 < rows; r0 += per) rows(r0, Math.min(per, rows - r0), m, r0 * cols);
        return m;
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
    public float pair(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) throw new IllegalArgumentException("pair " + i + ", " + j + " outside " + rows + " x " + cols);
        FloatBuffer[] views = views();
        FloatBuffer x = views[0];
        FloatBuffer y = views[1];
        long xi = a.offset() + (long) i * dim;
        long yj = b.offset() + (long) j * dim;
        double dot = 0;
        for (int k = 0; k < dim; k++) dot += (double) x.get((int) (xi + k)) * y.get((int) (yj + k));
        if (metric == Metric.COSINE) return (float) (1.0 - dot);
        double s = (double) rowSq[i] + colSq[j] - 2 * dot;
        return s > 0 ? (float) Math.sqrt(s) : 0f;
    }
}
