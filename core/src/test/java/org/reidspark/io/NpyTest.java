package org.reidspark.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    /** A file as numpy.save writes it, built by hand: magic, version, header length, padded dict, data. */
    private static byte[] numpyFile(int major, String dict, ByteOrder order, double[] values, int width) {
        int prefix = major == 1 ? 10 : 12;
        int total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
        StringBuilder h = new StringBuilder(dict);
        while (h.length() < total - prefix - 1) h.append(' ');
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total + values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) b.putShort((short) (total - prefix));
        else b.putInt(total - prefix);
        b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        b.order(order);
        for (double v : values) {
            if (width == 4) b.putFloat((float) v);
            else b.putDouble(v);
        }
        return b.array();
    }

    private static NpyReader open(byte[] file, String name) throws IOException {
        return NpyReader.open(new ByteArrayInputStream(file), name);
    }

    @Test
    void readsWhatNumpyWrites() throws IOException {
        double[] v = {0.5, -1.25, 3, 4, 5.5, 6};
        byte[] f32 = numpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", ByteOrder.LITTLE_ENDIAN, v, 4);
        assertEquals(128, f32.length - 24, "numpy pads the header to 64 bytes");
        try (NpyReader r = open(f32, "a.npy")) {
            assertEquals(NpyHeader.DType.FLOAT32, r.header().dtype());
            assertArrayEquals(new long[] {2, 3}, r.header().shape());
            assertArrayEquals(new int[] {2, 3}, r.header().requireMatrix("matrix"));
            float[] first = new float[2];
            r.readFloats(first, 0, 2);
            assertArrayEquals(new float[] {0.5f, -1.25f}, first);
            double[] rest = new double[4];
            r.readDoubles(rest, 0, 4);
            assertArrayEquals(new double[] {3, 4, 5.5, 6}, rest);
            assertEquals(0, r.remaining());
        }
        byte[] f64be = numpyFile(2, "{'descr': '>f8', 'fortran_order': False, 'shape': (6,), }", ByteOrder.BIG_ENDIAN, v, 8);
        try (NpyReader r = open(f64be, "b.npy")) {
            assertEquals(NpyHeader.DType.FLOAT64, r.header().dtype());
            assertArrayEquals(new long[] {6}, r.header().shape());
            assertArrayEquals(v, r.readAllDoubles());
        }
        byte[] scalar = numpyFile(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", ByteOrder.LITTLE_ENDIAN, new double[] {7}, 8);
        try (NpyReader r = open(scalar, "c.npy")) {
            assertEquals(0, r.header().ndim());
            assertArrayEquals(new float[] {7f}, r.readAllFloats());
        }
    }

    @Test
    void writerRoundTripsAndMatchesNumpysHeader() throws IOException {
        float[] data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.writeMatrix(out, "w.npy", data, 3, 4);
        byte[] expected = numpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                ByteOrder.LITTLE_ENDIAN, toDouble(data), 4);
        assertArrayEquals(expected, out.toByteArray(), "byte-identical to numpy.save of a float32 (3, 4) array");
        ByteArrayOutputStream out64 = new ByteArrayOutputStream();
        double[] d = {Math.PI, -0.0, Double.MAX_VALUE};
        NpyWriter.writeMatrix(out64, "w64.npy", d, 1, 3);
        try (NpyReader r = open(out64.toByteArray(), "w64.npy")) {
            assertArrayEquals(d, r.readAllDoubles());
        }
    }

    @Test
    void writerRefusesAnIncompleteArray() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter w = NpyWriter.open(out, "part.npy", NpyHeader.DType.FLOAT32, 2, 2);
        w.write(new float[] {1, 2, 3}, 0, 3);
        IOException e = assertThrows(IOException.class, w::close);
        assertTrue(e.getMessage().contains("part.npy") && e.getMessage().contains("3 of the 4"), e.getMessage());
        NpyWriter w2 = NpyWriter.open(new ByteArrayOutputStream(), "over.npy", NpyHeader.DType.FLOAT32, 1);
        assertThrows(IOException.class, () -> w2.write(new float[] {1, 2}, 0, 2));
    }

    @Test
    void squaresFollowTheStoredPrecision() throws IOException {
        double x = 0.1;  // float64 0.1 squared then rounded differs from float32 0.1 squared
        byte[] f64 = numpyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", ByteOrder.LITTLE_ENDIAN, new double[] {x}, 8);
        byte[] f32 = numpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", ByteOrder.LITTLE_ENDIAN, new double[] {x}, 4);
        float[] a = new float[1];
        float[] b = new float[1];
        try (NpyReader r = open(f64, "x")) {
            r.readSquares(a, 0, 1);
        }
        try (NpyReader r = open(f32, "y")) {
            r.readSquares(b, 0, 1);
        }
        assertEquals((float) (x * x), a[0]);
        assertEquals(0.1f * 0.1f, b[0]);
        assertFalse(a[0] == b[0], "the two conventions give different float32 values here");
    }

    @Test
    void badFilesFailNamingTheFileAndTheProblem() {
        byte[] csv = "pid,camid\n1,2\n".getBytes(StandardCharsets.US_ASCII);
        assertMessage(csv, "D.npy", "not a .npy file");
        assertMessage(new byte[0], "D.npy", "empty");
        assertMessage(numpyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", ByteOrder.LITTLE_ENDIAN, new double[] {1, 2}, 8),
                "D.npy", "'<i8' is not supported");
        assertMessage(numpyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", ByteOrder.LITTLE_ENDIAN, new double[4], 4),
                "D.npy", "Fortran");
        byte[] full = numpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", ByteOrder.LITTLE_ENDIAN, new double[4], 4);
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 5);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> {
            try (NpyReader r = open(truncated, "D.npy")) {
                r.readAllFloats();
            }
        });
        assertTrue(e.getMessage().startsWith("D.npy:") && e.getMessage().contains("truncated")
                && e.getMessage().contains("ends after 11 bytes"), e.getMessage());
        byte[] vector = numpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", ByteOrder.LITTLE_ENDIAN, new double[4], 4);
        NpyFormatException notMatrix = assertThrows(NpyFormatException.class, () -> open(vector, "D.npy").header().requireMatrix("distance matrix"));
        assertTrue(notMatrix.getMessage().contains("2-D") && notMatrix.getMessage().contains("(4,)"), notMatrix.getMessage());
    }

    private static void assertMessage(byte[] file, String name, String problem) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> open(file, name));
        assertTrue(e.getMessage().startsWith(name + ":") && e.getMessage().contains(problem), e.getMessage());
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
