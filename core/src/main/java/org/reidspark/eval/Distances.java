package org.reidspark.eval;

import java.io.IOException;

/**
 * A rows x cols matrix of distances (smaller is closer) computed on demand, tile by tile, so that no more than one
 * tile or block exists at a time: from one embedding per image ({@link DistanceBlocks}, cosine or Euclidean) or
 * from a method's own matching rule ({@link PartDistances}: visibility-weighted part distances). {@link Matching}
 * makes one for two sets of {@link TestFeatures}. Not thread-safe.
 */
public interface Distances {
    int rows();

    int cols();

    /** What these distances are, for messages. */
    String describe();

    /**
     * Distances of rows {@code [r0, r0+n)} to columns {@code [c0, c0+m)}: element (i, j) goes to
     * {@code dst[off + i*m + j]}.
     */
    void tile(int r0, int n, int c0, int m, float[] dst, int off);

    /** The distance of row i to column j alone (may differ from a tile's value in the last bits). */
    float pair(int i, int j);

    /** Distances of rows {@code [r0, r0+n)} to every column, row-major into {@code dst} from {@code off}. */
    default void rows(int r0, int n, float[] dst, int off) {
        tile(r0, n, 0, cols(), dst, off);
    }

    /** How many whole rows fit in {@code bytes} of float32 (at least 1). */
    default int rowsPerBlock(long bytes) {
        return (int) Math.max(1, Math.min(rows(), bytes / (4L * Math.max(1, cols()))));
    }

    /** One block of rows as it is computed. */
    interface RowBlockConsumer {
        void accept(int firstRow, int rows, float[] data) throws IOException;
    }

    /**
     * Computes the matrix row block by row block (each at most {@code blockBytes}) and hands each to
     * {@code consumer}; the array is reused between calls.
     */
    default void forEachRowBlock(long blockBytes, RowBlockConsumer consumer) throws IOException {
        int per = rowsPerBlock(blockBytes);
        float[] buf = new float[per * cols()];
        for (int r0 = 0; r0 < rows(); r0 += per) {
            int n = Math.min(per, rows() - r0);
            rows(r0, n, buf, 0);
            consumer.accept(r0, n, buf);
        }
    }

    /** The whole {@code rows x cols} matrix (only for sizes that fit one Java array). */
    default float[] matrix() {
        long size = (long) rows() * cols();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(describe() + ": a " + rows() + " x " + cols()
                    + " matrix does not fit one array; use forEachRowBlock");
        }
        float[] m = new float[(int) size];
        int per = rowsPerBlock(32L << 20);
        for (int r0 = 0; r0 < rows(); r0 += per) rows(r0, Math.min(per, rows() - r0), m, r0 * cols());
        return m;
    }
}
