package org.reidspark.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RawArraysTest {
    @Test
    void halfPrecisionRoundsAsNd4jDoes() throws Exception {
        Random r = new Random(5);
        float[] f = new float[20_000];
        for (int i = 0; i < f.length; i++) {
            f[i] = switch (i % 5) {
                case 0 -> (float) r.nextGaussian() * 1e-3f;
                case 1 -> (float) r.nextGaussian() * 1e-6f; // half's subnormals (below 6.1e-5)
                case 2 -> (float) r.nextGaussian() * 3000f;
                case 3 -> (float) r.nextGaussian() * 1e5f; // beyond half's range: infinity
                default -> (float) r.nextGaussian();
            };
        }
        f[0] = 0f;
        f[1] = -0f;
        f[2] = 65504f;
        f[3] = 65520f; // rounds up to infinity
        f[4] = 5.9604645e-8f; // the smallest subnormal
        f[5] = 2.9802322e-8f; // half of it: ties to even, zero
        f[6] = 1 + 1f / 2048; // a tie between 1 and the next half: to even (1)
        f[7] = 1 + 3f / 2048; // a tie: to even (1 + 2/1024)
        INDArray a = Nd4j.createFromArray(f);
        float[] expected = a.castTo(DataType.HALF).castTo(DataType.FLOAT).toFloatVector();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RawArrays.write(new DataOutputStream(bytes), a, true);
        assertEquals(8 + 1 + 2L * f.length, bytes.size(), "two bytes a value");
        float[] got = RawArrays.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))).toFloatVector();
        for (int i = 0; i < f.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]), "value " + i + ": " + f[i]);
        }
    }

    @Test
    void floatsGoInChunksStraightFromAndIntoTheArraysBuffer() throws Exception {
        int n = 40_000; // two whole chunks and a part of one
        INDArray m = Nd4j.rand(DataType.FLOAT, 3, n);
        INDArray row = m.getRow(1); // contiguous, at an offset in its buffer
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RawArrays.write(new DataOutputStream(bytes), row);
        java.nio.ByteBuffer expected = java.nio.ByteBuffer.allocate(8 + 1 + 4 * n); // the format: length, type, big-endian values
        expected.putLong(n).put((byte) 0).asFloatBuffer().put(row.toFloatVector());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.array(), bytes.toByteArray());
        INDArray into = Nd4j.zeros(DataType.FLOAT, 2, n);
        RawArrays.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), into.getRow(1));
        assertEquals(row, into.getRow(1));
        assertEquals(0, into.getRow(0).sumNumber().doubleValue(), 0, "nothing written outside the target");
        // a strided view (a column) takes the general path, into a plain array and back
        INDArray column = m.getColumn(7);
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        RawArrays.write(new DataOutputStream(c), column);
        INDArray back = Nd4j.zeros(DataType.FLOAT, 3);
        RawArrays.read(new DataInputStream(new ByteArrayInputStream(c.toByteArray())), back);
        assertEquals(column.reshape(3), back);
        IOException wrongType = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
            ByteArrayOutputStream d = new ByteArrayOutputStream();
            RawArrays.write(new DataOutputStream(d), Nd4j.rand(DataType.DOUBLE, 5));
            RawArrays.read(new DataInputStream(new ByteArrayInputStream(d.toByteArray())), Nd4j.zeros(DataType.FLOAT, 5));
        });
        org.junit.jupiter.api.Assertions.assertTrue(wrongType.getMessage().contains("DOUBLE"), wrongType.getMessage());
        IOException unknown = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
            ByteArrayOutputStream d = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(d);
            out.writeLong(5);
            out.writeByte(7); // no such type
            out.write(new byte[20]);
            RawArrays.read(new DataInputStream(new ByteArrayInputStream(d.toByteArray())), Nd4j.zeros(DataType.FLOAT, 5));
        });
        org.junit.jupiter.api.Assertions.assertTrue(unknown.getMessage().contains("unknown array type 7"), unknown.getMessage());
    }

    @Test
    void fullPrecisionIsExact() throws Exception {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 3, 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RawArrays.write(new DataOutputStream(bytes), a);
        INDArray b = Nd4j.zeros(DataType.DOUBLE, 3, 4);
        RawArrays.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), b);
        assertEquals(a, b);
    }
}
