package org.reidspark.eval.rerank;

import org.reidspark.io.NpyReader;

import java.io.IOException;
import java.io.InputStream;

/**
 * {@link CombinedDistances} from given distance matrices, as the reference {@code re_ranking(q_g_dist, q_q_dist,
 * g_g_dist)} takes them: query x gallery and query x query squared distances in memory, gallery x gallery rows from
 * memory or streamed from a {@code .npy} file (so the largest matrix never has to be held). Row i of the combined
 * matrix is {@code [qq[i], qg[i]]} for a query and {@code [qg[:, g], gg[g]]} for gallery item g.
 */
public final class MatrixDistances implements CombinedDistances {
    /** Rows of the gallery x gallery squared distances. */
    public interface SquareRows {
        /** Rows {@code [g0, g0+n)}, row k to {@code dst[off + k*stride ..]} (gallery-size values each). */
        void read(int g0, int n, float[] dst, int off, int stride) throws IOException;

        /** Whether {@link #get} is cheap. */
        default boolean randomAccess() {
            return false;
        }

        default float get(int g, int h) {
            throw new UnsupportedOperationException();
        }
    }

    private final float[] qg;
    private final float[] qq;
    private final SquareRows gg;
    private final int nq;
    private final int ng;
    private final String description;

    /**
     * @param qgSquared query x gallery squared distances, row-major
     * @param qqSquared query x query squared distances, row-major
     * @param ggSquared gallery x gallery squared distances
     */
    public MatrixDistances(float[] qgSquared, float[] qqSquared, SquareRows ggSquared, int nq, int ng, String description) {
        if (qgSquared.length != (long) nq * ng) throw new IllegalArgumentException(description + ": query x gallery has "
                + qgSquared.length + " values, not " + nq + " x " + ng);
        if (qqSquared.length != (long) nq * nq) throw new IllegalArgumentException(description + ": query x query has "
                + qqSquared.length + " values, not " + nq + " x " + nq);
        this.qg = qgSquared;
        this.qq = qqSquared;
        this.gg = ggSquared;
        this.nq = nq;
        this.ng = ng;
        this.description = description;
    }

    /** From float32 distances (not squared) held in memory. */
    public static MatrixDistances of(float[] qg, float[] qq, float[] gg, int nq, int ng) {
        if (gg.length != (long) ng * ng) throw new IllegalArgumentException("gallery x gallery has " + gg.length
                + " values, not " + ng + " x " + ng);
        return new MatrixDistances(squares(qg), squares(qq), inMemory(squares(gg), ng), nq, ng, "given float32 distances");
    }

    /** From float64 distances (not squared) held in memory. */
    public static MatrixDistances of(double[] qg, double[] qq, double[] gg, int nq, int ng) {
        if (gg.length != (long) ng * ng) throw new IllegalArgumentException("gallery x gallery has " + gg.length
                + " values, not " + ng + " x " + ng);
        return new MatrixDistances(squares(qg), squares(qq), inMemory(squares(gg), ng), nq, ng, "given float64 distances");
    }

    /** {@code d*d} in float32. */
    public static float[] squares(float[] d) {
        float[] s = new float[d.length];
        for (int i = 0; i < d.length; i++) s[i] = d[i] * d[i];
        return s;
    }

    /** {@code d*d} in float64, rounded to float32. */
    public static float[] squares(double[] d) {
        float[] s = new float[d.length];
        for (int i = 0; i < d.length; i++) s[i] = (float) (d[i] * d[i]);
        return s;
    }

    /** Gallery rows held in memory ({@code n x n} squared distances, row-major). */
    public static SquareRows inMemory(float[] sq, int n) {
        if (sq.length != (long) n * n) throw new IllegalArgumentException(sq.length + " values do not form " + n + " x " + n);
        return new SquareRows() {
            @Override
            public void read(int g0, int k, float[] dst, int off, int stride) {
                for (int r = 0; r < k; r++) System.arraycopy(sq, (g0 + r) * n, dst, off + r * stride, n);
            }

            @Override
            public boolean randomAccess() {
                return true;
            }

            @Override
            public float get(int g, int h) {
                return sq[g * n + h];
            }
        };
    }

    /** Opens a fresh stream on a file, from its start. */
    public interface Opener {
        InputStream open() throws IOException;
    }

    /**
     * Gallery rows streamed from a square {@code .npy} file (float32 or float64, squared as it is read). Rows are
     * read in order; asking for an earlier row reopens the file.
     */
    public static SquareRows streamed(String source, Opener opener, int n) {
        return new SquareRows() {
            private NpyReader reader;
            private int next;

            @Override
            public synchronized void read(int g0, int k, float[] dst, int off, int stride) throws IOException {
                if (reader == null || g0 < next) {
                    if (reader != null) reader.close();
                    reader = NpyReader.open(opener.open(), source);
                    long[] shape = reader.header().shape();
                    if (shape.length != 2 || shape[0] != n || shape[1] != n) {
                        throw new IOException(source + ": expected a " + n + " x " + n + " gallery x gallery matrix, found "
                                + reader.header().describe());
                    }
                    next = 0;
                }
                reader.skip((long) (g0 - next) * n);
                for (int r = 0; r < k; r++) reader.readSquares(dst, off + r * stride, n);
                next = g0 + k;
                if (next == n) {
                    reader.close();
                    reader = null;
                }
            }
        };
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
        return description;
    }

    @Override
    public boolean rowsAreCheap() {
        return true;
    }

    @Override
    public void tiles(long tileBytes, TileConsumer consumer) throws IOException {
        int n = size();
        int per = (int) Math.max(1, Math.min(n, tileBytes / (4L * n)));
        float[] buf = new float[per * n];
        for (int r0 = 0; r0 < n; r0 += per) {
            int k = Math.min(per, n - r0);
            rows(r0, k, buf);
            consumer.accept(r0, k, 0, n, buf, false);
        }
    }

    @Override
    public void rows(int r0, int k, float[] dst) throws IOException {
        int n = size();
        int r = r0;
        int end = r0 + k;
        for (; r < end && r < nq; r++) {
            int base = (r - r0) * n;
            System.arraycopy(qq, r * nq, dst, base, nq);
            System.arraycopy(qg, r * ng, dst, base + nq, ng);
        }
        if (r < end) {
            int g0 = r - nq;
            int kg = end - r;
            int base0 = (r - r0) * n;
            for (int q = 0; q < nq; q++) {
                int src = q * ng + g0;
                for (int t = 0; t < kg; t++) dst[base0 + t * n + q] = qg[src + t];
            }
            gg.read(g0, kg, dst, base0 + nq, n);
        }
    }

    @Override
    public void gather(int[][] cols, float[][] out) throws IOException {
        float[] row = null;
        for (int i = 0; i < cols.length; i++) {
            if (cols[i] == null) continue;
            boolean rowRead = false;
            for (int k = 0; k < cols[i].length; k++) {
                int j = cols[i][k];
                float v;
                if (i < nq) {
                    v = j < nq ? qq[i * nq + j] : qg[i * ng + (j - nq)];
                } else if (j < nq) {
                    v = qg[j * ng + (i - nq)];
                } else if (gg.randomAccess()) {
                    v = gg.get(i - nq, j - nq);
                } else {
                    if (!rowRead) {
                        if (row == null) row = new float[ng];
                        gg.read(i - nq, 1, row, 0, ng);
                        rowRead = true;
                    }
                    v = row[j - nq];
                }
                out[i][k] = v;
            }
        }
    }

    @Override
    public String toString() {
        return description + " (" + nq + " queries, " + ng + " gallery)";
    }
}
