package org.reidspark.io;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads a {@code .npy} file as a stream: the header first ({@link #header()}), then the elements in order
 * (row-major), in as many calls as the caller likes, so a matrix far larger than memory can be consumed row
 * block by row block. float32 and float64 files can both be read as either type (float64 read as float32 is
 * rounded to nearest).
 */
public final class NpyReader implements Closeable {
    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final NpyHeader header;
    private final ByteOrder order;
    private final byte[] chunk = new byte[CHUNK];
    private long remaining;
    private long bytesRead;

    private NpyReader(InputStream in, NpyHeader header) {
        this.in = in;
        this.header = header;
        this.order = header.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        this.remaining = header.count();
    }

    /**
     * Reads the header from {@code in} (positioned at the start of the file) and returns a reader for the data.
     *
     * @param source the file's name for error messages
     */
    public static NpyReader open(InputStream in, String source) throws IOException {
        InputStream s = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, CHUNK);
        return new NpyReader(s, readHeader(s, source));
    }

    /** Reads only the header, leaving {@code in} positioned at the first element. */
    public static NpyHeader readHeader(InputStream in, String source) throws IOException {
        byte[] magic = new byte[8];
        int got = in.readNBytes(magic, 0, 8);
        for (int i = 0; i < NpyHeader.MAGIC.length; i++) {
            if (i >= got || magic[i] != NpyHeader.MAGIC[i]) {
                throw new NpyFormatException(source, got == 0 ? "file is empty, not a .npy file"
                        : "not a .npy file (it does not start with the bytes \\x93NUMPY that numpy.save writes)");
            }
        }
        if (got < 8) throw new NpyFormatException(source, "file ends inside the .npy header");
        int major = magic[6] & 0xff;
        int minor = magic[7] & 0xff;
        int lenBytes = switch (major) {
            case 1 -> 2;
            case 2, 3 -> 4;
            default -> throw new NpyFormatException(source, ".npy format version " + major + "." + minor
                    + " is not supported (versions 1.0, 2.0 and 3.0 are)");
        };
        byte[] len = in.readNBytes(lenBytes);
        if (len.length < lenBytes) throw new NpyFormatException(source, "file ends inside the .npy header");
        long headerLen = 0;
        for (int i = lenBytes - 1; i >= 0; i--) headerLen = (headerLen << 8) | (len[i] & 0xff);
        if (headerLen > 1 << 24) throw new NpyFormatException(source, "implausible .npy header length " + headerLen);
        byte[] text = in.readNBytes((int) headerLen);
        if (text.length < headerLen) throw new NpyFormatException(source, "file ends inside the .npy header");
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return NpyHeader.parse(source, dict, 8 + lenBytes + headerLen);
    }

    public NpyHeader header() {
        return header;
    }

    /** Elements not read yet. */
    public long remaining() {
        return remaining;
    }

    /** Reads the next {@code n} elements into {@code dst[off..off+n)}. */
    public void readFloats(float[] dst, int off, int n) throws IOException {
        take(n);
        int width = header.dtype().bytes();
        int done = 0;
        while (done < n) {
            int k = Math.min(n - done, CHUNK / width);
            ByteBuffer bb = fill(k * width);
            if (width == 4) {
                bb.asFloatBuffer().get(dst, off + done, k);
            } else {
                for (int i = 0; i < k; i++) dst[off + done + i] = (float) bb.getDouble(i * 8);
            }
            done += k;
        }
    }

    /** Reads the next {@code n} elements into {@code dst[off..off+n)}. */
    public void readDoubles(double[] dst, int off, int n) throws IOException {
        take(n);
        int width = header.dtype().bytes();
        int done = 0;
        while (done < n) {
            int k = Math.min(n - done, CHUNK / width);
            ByteBuffer bb = fill(k * width);
            if (width == 8) {
                bb.asDoubleBuffer().get(dst, off + done, k);
            } else {
                for (int i = 0; i < k; i++) dst[off + done + i] = bb.getFloat(i * 4);
            }
            done += k;
        }
    }

    /** Skips the next {@code n} elements. */
    public void skip(long n) throws IOException {
        if (n < 0 || n > remaining) {
            throw new NpyFormatException(header.source(), "skip of " + n + " elements past the end of the array "
                    + header.describe() + " (" + remaining + " left)");
        }
        long bytes = n * header.dtype().bytes();
        try {
            in.skipNBytes(bytes);
        } catch (EOFException e) {
            throw new NpyFormatException(header.source(), "file is truncated: the header announces " + header.describe()
                    + " (" + header.dataBytes() + " data bytes) but the data ends early", e);
        }
        bytesRead += bytes;
        remaining -= n;
    }

    /**
     * Reads the next {@code n} elements squared and rounded to float32, in the precision they are stored in
     * (float32: {@code x*x} in float; float64: {@code (float) (x*x)}), as {@code numpy.power(x, 2).astype(float32)}.
     */
    public void readSquares(float[] dst, int off, int n) throws IOException {
        if (header.dtype() == NpyHeader.DType.FLOAT32) {
            readFloats(dst, off, n);
            for (int i = off; i < off + n; i++) dst[i] = dst[i] * dst[i];
        } else {
            double[] tmp = new double[Math.min(n, 1 << 16)];
            for (int done = 0; done < n; ) {
                int k = Math.min(tmp.length, n - done);
                readDoubles(tmp, 0, k);
                for (int i = 0; i < k; i++) dst[off + done + i] = (float) (tmp[i] * tmp[i]);
                done += k;
            }
        }
    }

    /** Reads every remaining element (at most about 2^31) as float32. */
    public float[] readAllFloats() throws IOException {
        float[] out = new float[checkedRemaining()];
        readFloats(out, 0, out.length);
        return out;
    }

    /** Reads every remaining element (at most about 2^31) as float64. */
    public double[] readAllDoubles() throws IOException {
        double[] out = new double[checkedRemaining()];
        readDoubles(out, 0, out.length);
        return out;
    }

    private int checkedRemaining() throws NpyFormatException {
        if (remaining > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(header.source(), "array " + header.describe()
                    + " has too many elements to hold in one Java array; read it in blocks");
        }
        return (int) remaining;
    }

    private void take(int n) throws NpyFormatException {
        if (n < 0 || n > remaining) {
            throw new NpyFormatException(header.source(), "read of " + n + " elements past the end of the array "
                    + header.describe() + " (" + remaining + " left)");
        }
        remaining -= n;
    }

    private ByteBuffer fill(int bytes) throws IOException {
        int got = in.readNBytes(chunk, 0, bytes);
        bytesRead += got;
        if (got < bytes) {
            throw new NpyFormatException(header.source(), "file is truncated: the header announces " + header.describe()
                    + " (" + header.dataBytes() + " data bytes) but the data ends after " + bytesRead + " bytes",
                    new EOFException());
        }
        return ByteBuffer.wrap(chunk, 0, bytes).order(order);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
