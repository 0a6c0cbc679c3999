package org.reidspark.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.FloatMemory;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * FLOAT and DOUBLE arrays as their raw numbers (a length, a type byte, the values in bulk): what the training state's
 * round values ({@link StateValues}) and the workers' merge sums ({@link MergeAccumulator}) are made of between JVMs.
 * ND4J's own Java serialization writes one value per call, several times slower for the megabytes a round moves. The
 * shape is the reader's: {@link #read(DataInput, INDArray)} fills an array of the same length, {@link #read(DataInput)}
 * gives a vector to reshape.
 */
final class RawArrays {
    private static final byte FLOAT = 0;
    private static final byte DOUBLE = 1;
    private static final byte HALF = 2;
    /** Values per chunk of {@link #writeFloats} and {@link #readFloats}. */
    private static final int CHUNK = 16_384;

    private RawArrays() {
    }

    /** Writes {@code a}'s values (a null array as none). */
    static void write(DataOutput out, INDArray a) throws IOException {
        write(out, a, false);
    }

    /**
     * Writes {@code a}'s values; with {@code half}, FLOAT values as IEEE 754 binary16 (round to nearest even, as
     * {@code castTo(HALF)}), half the bytes: what a worker's parameter change travels as in the compact exchange. They
     * read back as FLOAT.
     */
    static void write(DataOutput out, INDArray a, boolean half) throws IOException {
        if (a == null) {
            out.writeLong(0);
            return;
        }
        if (half && a.dataType() == DataType.FLOAT) {
            float[] f = FloatMemory.contiguous(a) ? FloatMemory.read(a, "a training state array")
                    : a.reshape(new long[]{a.length()}).toFloatVector();
            out.writeLong(f.length);
            out.writeByte(HALF);
            ByteBuffer b = ByteBuffer.allocate(2 * f.length);
            for (float v : f) b.putShort(toHalf(v));
            out.write(b.array());
            return;
        }
        out.writeLong(a.length());
        if (FloatMemory.contiguous(a)) {
            out.writeByte(FLOAT);
            writeFloats(out, a);
            return;
        }
        INDArray flat = a.reshape(new long[]{a.length()});
        if (a.dataType() == DataType.FLOAT) {
            float[] f = flat.toFloatVector();
            out.writeByte(FLOAT);
            ByteBuffer b = ByteBuffer.allocate(4 * f.length);
            b.asFloatBuffer().put(f);
            out.write(b.array());
        } else if (a.dataType() == DataType.DOUBLE) {
            double[] d = flat.toDoubleVector();
            out.writeByte(DOUBLE);
            ByteBuffer b = ByteBuffer.allocate(8 * d.length);
            b.asDoubleBuffer().put(d);
            out.write(b.array());
        } else {
            throw new IllegalArgumentException("training state arrays are FLOAT or DOUBLE, not " + a.dataType());
        }
    }

    /** Reads values {@link #write} wrote into {@code target} (same length and type; null or empty for none). */
    static void read(DataInput in, INDArray target) throws IOException {
        long n = in.readLong();
        if (target == null || target.length() == 0) {
            if (n != 0) throw new IOException("values hold " + n + " numbers for an empty array");
            return;
        }
        if (n != target.length()) throw new IOException("values hold " + n + " numbers for an array of " + target.length());
        byte type = in.readByte();
        if (type == FLOAT && FloatMemory.contiguous(target)) {
            readFloats(in, target);
            return;
        }
        INDArray values = values(in, n, type);
        if (values.dataType() != target.dataType()) {
            throw new IOException("values are " + values.dataType() + ", the array " + target.dataType());
        }
        target.assign(values.reshape(target.shape()));
    }

    /** A new vector with the values {@link #write} wrote (null for a null array). */
    static INDArray read(DataInput in) throws IOException {
        long n = in.readLong();
        if (n == 0) return null;
        return values(in, n, in.readByte());
    }

    /** The {@code n} values of type {@code type} (its byte already read) as a new vector. */
    private static INDArray values(DataInput in, long n, byte type) throws IOException {
        if (type == FLOAT) {
            byte[] raw = new byte[Math.toIntExact(4 * n)];
            in.readFully(raw);
            float[] f = new float[(int) n];
            ByteBuffer.wrap(raw).asFloatBuffer().get(f);
            return FloatMemory.array(f, n);
        } else if (type == DOUBLE) {
            byte[] raw = new byte[Math.toIntExact(8 * n)];
            in.readFully(raw);
            double[] d = new double[(int) n];
            ByteBuffer.wrap(raw).asDoubleBuffer().get(d);
            return Nd4j.createFromArray(d);
        } else if (type == HALF) {
            byte[] raw = new byte[Math.toIntExact(2 * n)];
            in.readFully(raw);
            float[] f = new float[(int) n];
            ByteBuffer b = ByteBuffer.wrap(raw);
            for (int i = 0; i < f.length; i++) f[i] = fromHalf(b.getShort());
            return FloatMemory.array(f, n);
        }
        throw new IOException("unknown array type " + type + " in raw arrays");
    }

    /**
     * A contiguous FLOAT array's values, big-endian as {@code ByteBuffer} writes them, in chunks straight from its
     * buffer: no whole-array copies on the Java heap (a round's state is megabytes, and each such array is a humongous
     * allocation for the collector).
     */
    private static void writeFloats(DataOutput out, INDArray a) throws IOException {
        FloatBuffer src = FloatMemory.buffer(a, "a training state array");
        int offset = (int) a.offset();
        int n = (int) a.length();
        float[] floats = new float[Math.min(CHUNK, n)];
        byte[] bytes = new byte[4 * floats.length];
        FloatBuffer view = ByteBuffer.wrap(bytes).asFloatBuffer();
        for (int from = 0; from < n; from += CHUNK) {
            int k = Math.min(CHUNK, n - from);
            src.get(offset + from, floats, 0, k);
            view.put(0, floats, 0, k);
            out.write(bytes, 0, 4 * k);
        }
    }

    /** {@link #writeFloats}' values into a contiguous FLOAT array of their length, in chunks. */
    private static void readFloats(DataInput in, INDArray target) throws IOException {
        FloatBuffer dst = FloatMemory.buffer(target, "a training state array");
        int offset = (int) target.offset();
        int n = (int) target.length();
        float[] floats = new float[Math.min(CHUNK, n)];
        byte[] bytes = new byte[4 * floats.length];
        FloatBuffer view = ByteBuffer.wrap(bytes).asFloatBuffer();
        for (int from = 0; from < n; from += CHUNK) {
            int k = Math.min(CHUNK, n - from);
            in.readFully(bytes, 0, 4 * k);
            view.get(0, floats, 0, k);
            dst.put(offset + from, floats, 0, k);
        }
    }

    /** The binary16 nearest to {@code f} (ties to even; overflow to infinity; NaN stays NaN). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0)); // Inf, NaN
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00); // too large: infinity
        if (e <= 0) { // a subnormal half, or zero
            if (e < -10) return (short) sign;
            int m = mant | 0x800000; // the implicit leading one
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) half++; // may carry into the exponent: still right
        return (short) (sign | half);
    }

    /** The float of binary16 {@code h} (exact). */
    static float fromHalf(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            float v = mant / 16777216f; // mant x 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
