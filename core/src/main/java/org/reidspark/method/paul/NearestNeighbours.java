package org.reidspark.method.paul;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Exact k-nearest-neighbour lists of a set of embeddings, blockwise, for PAUL's cyclic-ranking mining over a whole set
 * ({@link CyclicRanking#global}; PAUL: https://arxiv.org/abs/1904.01308, CVPR 2019). The set is {@code [N, D]} float
 * rows; a row block of at most {@code block} anchors is multiplied with the set one tile of {@code block} rows at a
 * time (ND4J {@code gemm}, {@code [b, D] x [D, b]}), squared Euclidean distances are formed as
 * {@code |a|^2 + |x|^2 - 2 a.x} (norms in double, the dot product from the float gemm; negatives from rounding clamp to
 * 0), and each anchor keeps a bounded max-heap of its {@code k} best. The N x N matrix never exists.
 *
 * <p><b>Order.</b> Neighbours are sorted by squared distance, ties by the lower index (the anchor itself is never its
 * own neighbour), exactly as {@link CyclicRanking#neighbourLists}: when the distances are exactly representable in
 * float arithmetic (e.g. small integer coordinates) the lists equal that brute-force reference entry for entry. For
 * general embeddings the float gemm's rounding (relative ~1e-7 of the norms) can swap two neighbours whose distances
 * differ by less than that; the result is still deterministic (the same inputs and block size give the same lists).
 *
 * <p><b>Memory.</b> Besides the set ({@code 4 N D} bytes off-heap, plus {@code 8 N} for the norms), one call holds the
 * anchor block copy ({@code 4 b D}), the tile's product off-heap and on-heap ({@code 8 b^2}) and the heaps
 * ({@code 12 b k}): {@link #workingBytes}.
 */
public final class NearestNeighbours {
    private final INDArray set;
    private final double[] norms;
    private final int n;
    private final int d;

    /** @param set the embeddings, {@code [N, D]}; copied to a float c-order array if it is not one */
    public NearestNeighbours(INDArray set) {
        if (set == null || set.rank() != 2 || set.size(0) < 1 || set.size(1) < 1) {
            throw new IllegalArgumentException("nearest neighbours expect embeddings [N, D] with N, D >= 1, got "
                    + (set == null ? "null" : Arrays.toString(set.shape())));
        }
        INDArray s = set.dataType() == DataType.FLOAT ? set : set.castTo(DataType.FLOAT);
        if (s.isView() || s.ordering() != 'c') s = s.dup('c');
        this.set = s;
        this.n = (int) s.size(0);
        this.d = (int) s.size(1);
        // squared norms in double, a chunk of rows at a time (no heap copy of the whole set)
        norms = new double[n];
        int chunk = (int) Math.max(1, Math.min(n, (1 << 22) / d));
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int i1 = Math.min(n, i0 + chunk);
            INDArray rows = s.get(NDArrayIndex.interval(i0, i1), NDArrayIndex.all()).castTo(DataType.DOUBLE);
            double[] part = rows.mul(rows).sum(1).toDoubleVector();
            System.arraycopy(part, 0, norms, i0, i1 - i0);
        }
    }

    /** The set from {@code rows}, row-major {@code [n, d]}. */
    public static NearestNeighbours of(float[] rows, int n, int d) {
        if (n < 1 || d < 1 || (long) n * d != rows.length) {
            throw new IllegalArgumentException("expected " + n + " x " + d + " = " + ((long) n * d) + " values, got " + rows.length);
        }
        return new NearestNeighbours(Nd4j.create(rows, new long[] {n, d}, 'c'));
    }

    public int size() {
        return n;
    }

    public int dims() {
        return d;
    }

    /**
     * The bytes one {@link #search} holds besides the set, for blocks of {@code block} anchors, {@code d} dims and
     * {@code k} neighbours: anchor block {@code 4 b d}, product tile off-heap and its on-heap copy {@code 8 b^2},
     * heaps {@code 12 b k}.
     */
    public static long workingBytes(int block, int d, int k) {
        long b = block;
        return 4 * b * d + 8 * b * b + 12 * b * k;
    }

    /**
     * Neighbour lists of one range of anchors.
     *
     * @param from       the first anchor of the range
     * @param neighbours row {@code i - from} is anchor {@code i}'s list
     * @param distances  the matching Euclidean distances
     */
    public record Lists(int from, int[][] neighbours, double[][] distances) {
    }

    /**
     * The {@code min(k, N - 1)} nearest other rows of each anchor in {@code [from, to)}, nearest first (ties by the lower
     * index), in blocks of {@code block} anchors against tiles of {@code block} set rows.
     */
    public Lists search(int from, int to, int k, int block) {
        if (from < 0 || to > n || from > to) throw new IllegalArgumentException("anchor range [" + from + ", " + to + ") is not within [0, " + n + ")");
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        if (block < 1) throw new IllegalArgumentException("block must be >= 1, got " + block);
        int keep = Math.min(k, n - 1);
        int[][] lists = new int[to - from][];
        double[][] dists = new double[to - from][];
        float[] product = new float[Math.min(block, to - from) * Math.min(block, n)];
        for (int a0 = from; a0 < to; a0 += block) {
            int a1 = Math.min(to, a0 + block);
            int ba = a1 - a0;
            INDArray anchors = set.get(NDArrayIndex.interval(a0, a1), NDArrayIndex.all()).dup('c');
            double[][] hd = new double[ba][keep];
            int[][] hi = new int[ba][keep];
            int[] size = new int[ba];
            INDArray full = null;
            for (int t0 = 0; t0 < n; t0 += block) {
                int t1 = Math.min(n, t0 + block);
                int bt = t1 - t0;
                INDArray tile = set.get(NDArrayIndex.interval(t0, t1), NDArrayIndex.all());
                INDArray c;
                if (bt == Math.min(block, n)) {
                    if (full == null) full = Nd4j.createUninitialized(DataType.FLOAT, ba, bt);
                    c = full;
                } else {
                    c = Nd4j.createUninitialized(DataType.FLOAT, ba, bt);
                }
                Nd4j.gemm(anchors, tile, c, false, true, 1.0, 0.0);
                ((FloatPointer) c.data().pointer()).get(product, 0, ba * bt);
                if (keep == 0) continue;
                for (int r = 0; r < ba; r++) {
                    int anchor = a0 + r;
                    double na = norms[anchor];
                    double[] dr = hd[r];
                    int[] ir = hi[r];
                    for (int col = 0, o = r * bt; col < bt; col++) {
                        int j = t0 + col;
                        if (j == anchor) continue;
                        double dd = na + norms[j] - 2.0 * product[o + col];
                        if (dd < 0) dd = 0;
                        if (size[r] < keep) {
                            siftUp(dr, ir, size[r]++, dd, j);
                        } else if (dd < dr[0] || dd == dr[0] && j < ir[0]) {
                            siftDown(dr, ir, keep, dd, j);
                        }
                    }
                }
            }
            for (int r = 0; r < ba; r++) {
                Integer[] order = new Integer[keep];
                for (int q = 0; q < keep; q++) order[q] = q;
                double[] dr = hd[r];
                int[] ir = hi[r];
                Arrays.sort(order, (x, y) -> dr[x] != dr[y] ? Double.compare(dr[x], dr[y]) : Integer.compare(ir[x], ir[y]));
                int[] list = new int[keep];
                double[] dist = new double[keep];
                for (int q = 0; q < keep; q++) {
                    list[q] = ir[order[q]];
                    dist[q] = Math.sqrt(dr[order[q]]);
                }
                lists[a0 - from + r] = list;
                dists[a0 - from + r] = dist;
            }
        }
        return new Lists(from, lists, dists);
    }

    /** True when entry (d1, i1) ranks after (d2, i2): farther, or as far with a higher index. */
    private static boolean after(double d1, int i1, double d2, int i2) {
        return d1 > d2 || d1 == d2 && i1 > i2;
    }

    /** Adds (dd, j) at position {@code at} of a max-heap of {@code at} entries. */
    private static void siftUp(double[] hd, int[] hi, int at, double dd, int j) {
        int q = at;
        while (q > 0) {
            int p = (q - 1) >>> 1;
            if (!after(dd, j, hd[p], hi[p])) break;
            hd[q] = hd[p];
            hi[q] = hi[p];
            q = p;
        }
        hd[q] = dd;
        hi[q] = j;
    }

    /** Replaces the root (the worst entry) of a full max-heap of {@code size} entries with (dd, j). */
    private static void siftDown(double[] hd, int[] hi, int size, double dd, int j) {
        int q = 0;
        while (true) {
            int l = 2 * q + 1;
            if (l >= size) break;
            int r = l + 1;
            int m = r < size && after(hd[r], hi[r], hd[l], hi[l]) ? r : l;
            if (!after(hd[m], hi[m], dd, j)) break;
            hd[q] = hd[m];
            hi[q] = hi[m];
            q = m;
        }
        hd[q] = dd;
        hi[q] = j;
    }
}
