package org.reidspark.io;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a {@code .npy} file (format 1.0, or 2.0 when the header needs it; little-endian; C order) as a stream:
 * the header with the final shape first, then the elements in row-major order in any number of calls.
 * {@link #close()} fails if fewer or more elements were written than the shape announces, so a half-written
 * matrix is never mistaken for a complete one.
 */
public final class NpyWriter implements Closeable {
    private static final int CHUNK = 1 << 16;

    private final OutputStream out;
    private final NpyHeader.DType dtype;
    private final long expected;
    private final String target;
    private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    private long written;
    private boolean closed;

    private NpyWriter(OutputStream out, NpyHeader.DType dtype, long expected, String target) {
        this.out = out;
        this.dtype = dtype;
        this.expected = expected;
        this.target = target;
    }

    /**
     * Writes the header to {@code out} and returns a writer for the data.
     *
     * @param target the file's name for error messages
     */
    public static NpyWriter open(OutputStream out, String target, NpyHeader.DType dtype, long... shape) throws IOException {
        long count = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException(target + ": negative dimension in shape " + NpyHeader.shapeText(shape));
            count = Math.multiplyExact(count, s);
        }
        OutputStream o = out instanceof BufferedOutputStream ? out : new BufferedOutputStream(out, CHUNK);
        o.write(headerBytes(dtype, shape));
        return new NpyWriter(o, dtype, count, target);
    }

    /** The complete header (magic, version, length, padded dictionary) numpy would write for this array. */
    static byte[] headerBytes(NpyHeader.DType dtype, long[] shape) {
        String dict = NpyHeader.dictText(dtype, shape);
        int major = 1;
        int prefix = 10;
        // numpy pads magic + length + dictionary + '\n' to a multiple of 64 bytes.
        int total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
        if (total - prefix > 65535) {
            major = 2;
            prefix = 12;
            total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
        }
        int headerLen = total - prefix;
        StringBuilder sb = new StringBuilder(dict);
        while (sb.length() < headerLen - 1) sb.append(' ');
        sb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyHeader.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) b.putShort((short) headerLen);
        else b.putInt(headerLen);
        b.put(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    public void write(float[] src, int off, int n) throws IOException {
        count(n);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) flushBuffer();
            if (dtype == NpyHeader.DType.FLOAT32) buf.putFloat(src[off + i]);
            else buf.putDouble(src[off + i]);
        }
    }

    public void write(double[] src, int off, int n) throws IOException {
        count(n);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) flushBuffer();
            if (dtype == NpyHeader.DType.FLOAT32) buf.putFloat((float) src[off + i]);
            else buf.putDouble(src[off + i]);
        }
    }

    private void count(int n) throws IOException {
        if (closed) throw new IOException(target + ": write after close");
        if (written + n > expected) {
            throw new IOException(target + ": writing " + n + " more elements would exceed the " + expected
                    + " the header announces (" + written + " written)");
        }
        written += n;
    }

    private void flushBuffer() throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /** Flushes and closes the stream; fails if the element count does not match the shape. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        flushBuffer();
        out.close();
        if (written != expected) {
            throw new IOException(target + ": only " + written + " of the " + expected
                    + " elements the header announces were written; the file is incomplete");
        }
    }

    /** Writes a whole float32 matrix ({@code rows x cols}, row-major) to {@code out} and closes it. */
    public static void writeMatrix(OutputStream out, String target, float[] data, int rows, int cols) throws IOException {
        try (NpyWriter w = open(out, target, NpyHeader.DType.FLOAT32, rows, cols)) {
            w.write(data, 0, Math.multiplyExact(rows, cols));
        }
    }

    /** Writes a whole float64 matrix ({@code rows x cols}, row-major) to {@code out} and closes it. */
    public static void writeMatrix(OutputStream out, String target, double[] data, int rows, int cols) throws IOException {
        try (NpyWriter w = open(out, target, NpyHeader.DType.FLOAT64, rows, cols)) {
            w.write(data, 0, Math.multiplyExact(rows, cols));
        }
    }
}
