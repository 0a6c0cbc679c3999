package org.reidspark.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.FloatMemory;

/**
 * A set of embeddings, one row per image ({@code rows x dim}, float32, C order, held by ND4J off the Java heap).
 *
 * @param source what they are (a file name, "query", ...), for error messages
 * @param matrix the {@code rows x dim} matrix
 */
public record Embeddings(String source, INDArray matrix) {
    public Embeddings {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException(source + ": embeddings must be a 2-D matrix (images x dimensions), got shape "
                    + java.util.Arrays.toString(matrix.shape()));
        }
        if (matrix.dataType() != DataType.FLOAT || matrix.ordering() != 'c' || matrix.isView()) {
            matrix = matrix.castTo(DataType.FLOAT).dup('c');
        }
    }

    public static Embeddings of(String source, float[][] rows) {
        if (rows.length == 0) throw new IllegalArgumentException(source + ": no embeddings");
        int d = rows[0].length;
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException(source + ": embedding " + i + " has " + rows[i].length
                        + " dimensions, embedding 0 has " + d);
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return of(source, flat, rows.length, d);
    }

    /** From a row-major {@code rows x dim} array. */
    public static Embeddings of(String source, float[] data, int rows, int dim) {
        if ((long) rows * dim != data.length) {
            throw new IllegalArgumentException(source + ": " + data.length + " values do not form " + rows + " x " + dim);
        }
        return new Embeddings(source, FloatMemory.array(data, rows, dim));
    }

    public static Embeddings of(String source, INDArray matrix) {
        return new Embeddings(source, matrix);
    }

    public int rows() {
        return (int) matrix.rows();
    }

    public int dim() {
        return (int) matrix.columns();
    }

    /** {@code a} on top of {@code b} (queries then gallery, for re-ranking). */
    public static Embeddings concat(String source, Embeddings a, Embeddings b) {
        if (a.dim() != b.dim()) throw dimMismatch(a, b);
        long na = a.matrix.length();
        long nb = b.matrix.length();
        if (na + nb > Integer.MAX_VALUE - 8) return new Embeddings(source, Nd4j.vstack(a.matrix, b.matrix));
        INDArray both = Nd4j.createUninitialized(DataType.FLOAT, a.rows() + (long) b.rows(), a.dim());
        java.nio.FloatBuffer dst = both.data().asNioFloat();
        dst.put(a.matrix.data().asNioFloat().limit((int) na));
        dst.put(b.matrix.data().asNioFloat().limit((int) nb));
        return new Embeddings(source, both);
    }

    static IllegalArgumentException dimMismatch(Embeddings a, Embeddings b) {
        return new IllegalArgumentException(a.source() + " has " + a.dim() + "-dimensional embeddings but " + b.source()
                + " has " + b.dim() + "-dimensional ones");
    }
}
