package org.reidspark.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FloatMemory}'s bulk copies against ND4J's own element-wise ones. */
class FloatMemoryTest {
    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i) * 3 + i;
        return v;
    }

    @Test
    void anArrayHoldsTheValuesInCOrderAsNd4jCreateWould() {
        float[] v = ramp(2 * 3 * 5 * 4);
        INDArray a = FloatMemory.array(v, 2, 3, 5, 4);
        assertEquals(DataType.FLOAT, a.dataType());
        assertEquals('c', a.ordering());
        assertArrayEquals(new long[]{2, 3, 5, 4}, a.shape());
        assertEquals(Nd4j.create(v, new long[]{2, 3, 5, 4}, 'c'), a);
        assertEquals(v[1 * 60 + 2 * 20 + 3 * 4 + 1], a.getFloat(1, 2, 3, 1), 0f);
        v[0] = -1; // a copy
        assertEquals(ramp(1)[0], a.getFloat(0), 0f);
        assertEquals(0, FloatMemory.array(new float[0], 0, 7).length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FloatMemory.array(ramp(5), 2, 3));
        assertTrue(e.getMessage().contains("5 values for an array of shape [2, 3]"), e.getMessage());
    }

    @Test
    void rowsOfAnyMatrixAreItsRowsAsToFloatMatrixGivesThem() {
        INDArray m = FloatMemory.array(ramp(6 * 9), 6, 9);
        assertArrayEquals(m.toFloatMatrix(), FloatMemory.rows(m));
        INDArray view = m.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()); // contiguous, with an offset
        assertArrayEquals(view.toFloatMatrix(), FloatMemory.rows(view));
        INDArray columns = m.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4)); // strided
        assertArrayEquals(columns.toFloatMatrix(), FloatMemory.rows(columns));
        INDArray transposed = m.transpose(); // 'f' order
        assertArrayEquals(transposed.toFloatMatrix(), FloatMemory.rows(transposed));
        INDArray doubles = m.castTo(DataType.DOUBLE);
        assertArrayEquals(m.toFloatMatrix(), FloatMemory.rows(doubles));
        assertEquals(0, FloatMemory.rows(Nd4j.create(DataType.FLOAT, 0, 4)).length);
        assertThrows(IllegalArgumentException.class, () -> FloatMemory.rows(m.reshape(2, 3, 9)));
    }
}
