package org.reidspark.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * FLOAT arrays read and written as Java floats without a native call, for the Java passes that replace chains of
 * small ND4J operations ({@link FusedUpdate}, {@code backbone.BatchNormKernels}), and Java arrays into and out of ND4J
 * in bulk ({@link #array}, {@link #rows}): ND4J M2.1's own {@code Nd4j.create(float[], shape, order)} and
 * {@code createFromArray} copy at about a tenth of a bulk copy's speed, and {@code toFloatMatrix} takes a view per
 * row, about 20 microseconds each (docs/performance.md, "Extraction at the compute rate").
 *
 * <p>The convention these rely on, checked by their tests against ND4J's own operations: an array's
 * {@code data().asNioFloat()} starts at the first value of the buffer the array is a view of, so its values lie at
 * {@code offset()} to {@code offset() + length() - 1} of that NIO buffer when the array is {@link #contiguous}.
 */
public final class FloatMemory {
    private FloatMemory() {
    }

    /** Whether {@code a} is FLOAT and one contiguous run of its buffer, in C order or a vector, indexable by int. */
    public static boolean contiguous(INDArray a) {
        return a.dataType() == DataType.FLOAT
                && (a.length() <= 1 || a.elementWiseStride() == 1 && (a.ordering() == 'c' || a.isVector()))
                && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    /**
     * The NIO view of the buffer {@code a} lies in; {@code a}'s values start at {@code (int) a.offset()}.
     *
     * @throws IllegalArgumentException when {@code a} is not {@link #contiguous}, naming {@code what}
     */
    public static FloatBuffer buffer(INDArray a, String what) {
        if (!contiguous(a)) {
            throw new IllegalArgumentException(what + " must be a contiguous C-order FLOAT array, got " + a.dataType()
                    + " " + a.ordering() + " with element stride " + a.elementWiseStride());
        }
        return a.data().asNioFloat();
    }

    /** {@code a}'s values into the first {@code a.length()} places of {@code into}; returns {@code into}. */
    public static float[] read(INDArray a, float[] into, String what) {
        buffer(a, what).get((int) a.offset(), into, 0, (int) a.length());
        return into;
    }

    /** {@code a}'s values as a new array. */
    public static float[] read(INDArray a, String what) {
        return read(a, new float[(int) a.length()], what);
    }

    /** The first {@code into.length()} values of {@code values} into {@code into}. */
    public static void write(float[] values, INDArray into, String what) {
        buffer(into, what).put((int) into.offset(), values, 0, (int) into.length());
    }

    /**
     * A new C-order FLOAT array of {@code shape} holding a copy of {@code values} (one bulk copy; in the current
     * workspace, if any, as {@code Nd4j.create} would place it).
     *
     * @throws IllegalArgumentException when the shape does not hold exactly {@code values.length} values
     */
    public static INDArray array(float[] values, long... shape) {
        long length = 1;
        for (long d : shape) length *= d;
        if (length != values.length) {
            throw new IllegalArgumentException(values.length + " values for an array of shape " + Arrays.toString(shape));
        }
        if (length == 0) return Nd4j.create(DataType.FLOAT, shape);
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape);
        write(values, a, "a new array");
        return a;
    }

    /**
     * The rows of the matrix {@code m} ({@code [n, d]}, any type and layout: cast to FLOAT and copied to C order first
     * when it is not {@link #contiguous}) as {@code float[n][d]}, one bulk copy per row.
     */
    public static float[][] rows(INDArray m) {
        if (m.rank() != 2) throw new IllegalArgumentException("rows of a matrix, not of an array of shape " + Arrays.toString(m.shape()));
        int n = (int) m.rows();
        int d = (int) m.columns();
        float[][] out = new float[n][d];
        if (m.length() == 0) return out; // no buffer to read
        INDArray c = contiguous(m) ? m : m.castTo(DataType.FLOAT).dup('c');
        FloatBuffer values = c.data().asNioFloat();
        int offset = (int) c.offset();
        for (int i = 0; i < n; i++) values.get(offset + i * d, out[i]);
        return out;
    }
}
