package org.reidspark.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * FLOAT arrays read and written as Java floats without a native call, for the Java passes that replace chains of
 * small ND4J operations ({@link FusedUpdate}, {@code backbone.BatchNormKernels}).
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
}
