package org.reidspark.eval.rerank;

import java.io.IOException;

/**
 * The {@code N x N} matrix (N = queries + gallery, queries first) of <b>squared</b> distances among all query and
 * gallery items that k-reciprocal re-ranking works on, handed out in pieces so it never has to exist whole.
 * "Squared" follows the reference code, which squares the distances it is given: an implementation squares each
 * given distance in the precision it was given in and rounds to float32 ({@code np.power(d, 2).astype(float32)}).
 * The matrix is taken to be symmetric (as distances are).
 */
public interface CombinedDistances {
    int queries();

    int gallery();

    default int size() {
        return queries() + gallery();
    }

    /** What the distances are, for messages. */
    String describe();

    /** True when {@link #rows} is cheap (reads memory or a file) rather than a recomputation. */
    default boolean rowsAreCheap() {
        return false;
    }

    /** One tile of squared distances. */
    interface TileConsumer {
        /**
         * Rows {@code [r0, r0+nr)} x columns {@code [c0, c0+nc)}, row-major in {@code sq[0 .. nr*nc)}; when
         * {@code mirrored}, the tile also stands for its transpose (columns x rows). The array is reused.
         */
        void accept(int r0, int nr, int c0, int nc, float[] sq, boolean mirrored) throws IOException;
    }

    /**
     * Streams every entry (i, j) of the matrix exactly once, either directly or as the mirror of (j, i), in tiles
     * of at most {@code tileBytes}.
     */
    void tiles(long tileBytes, TileConsumer consumer) throws IOException;

    /** Squared distances of rows {@code [r0, r0+n)} to all {@link #size()} items, row-major into {@code dst}. */
    void rows(int r0, int n, float[] dst) throws IOException;

    /**
     * Squared distances of chosen pairs: for every row i with {@code cols[i] != null},
     * {@code out[i][k] = sq(i, cols[i][k])}; {@code out[i]} is allocated by the caller.
     */
    void gather(int[][] cols, float[][] out) throws IOException;
}
