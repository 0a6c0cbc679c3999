package org.reidspark.method.paul;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NearestNeighboursTest {
    /** Small integer coordinates: many exact ties, and every distance exact in float arithmetic. */
    static float[] integers(int n, int d, int range, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(range) - range / 2;
        return v;
    }

    static double distance(float[] v, int d, int i, int j) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double t = (double) v[i * d + k] - v[j * d + k];
            s += t * t;
        }
        return Math.sqrt(s);
    }

    @Test
    void blockwiseListsEqualTheBruteForceReferenceWithTies() {
        int n = 37;
        int d = 4;
        float[] v = integers(n, d, 3, 11);
        // duplicated rows: distance-0 ties
        System.arraycopy(v, 0, v, 5 * d, d);
        System.arraycopy(v, 0, v, 20 * d, d);
        INDArray e = Nd4j.create(v, new long[] {n, d}, 'c');
        for (int k : new int[] {1, 6, 36, 50}) {
            int[][] reference = CyclicRanking.neighbourLists(e.castTo(DataType.DOUBLE), k);
            for (int block : new int[] {1, 5, 8, 37, 64}) {
                NearestNeighbours.Lists got = NearestNeighbours.of(v, n, d).search(0, n, k, block);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(reference[i], got.neighbours()[i], "anchor " + i + ", k " + k + ", block " + block);
                    for (int q = 0; q < reference[i].length; q++) {
                        assertEquals(distance(v, d, i, reference[i][q]), got.distances()[i][q], 0.0);
                    }
                }
            }
        }
    }

    @Test
    void aRangeOfAnchorsGivesTheSameRowsAsTheWholeSet() {
        int n = 23;
        int d = 3;
        float[] v = integers(n, d, 4, 3);
        NearestNeighbours all = NearestNeighbours.of(v, n, d);
        NearestNeighbours.Lists whole = all.search(0, n, 5, 4);
        NearestNeighbours.Lists part = all.search(7, 16, 5, 3);
        assertEquals(7, part.from());
        assertEquals(9, part.neighbours().length);
        for (int i = 7; i < 16; i++) {
            assertArrayEquals(whole.neighbours()[i], part.neighbours()[i - 7]);
            assertArrayEquals(whole.distances()[i], part.distances()[i - 7]);
        }
    }

    @Test
    void realValuedEmbeddingsMatchTheReferenceDistances() {
        int n = 50;
        int d = 16;
        Random r = new Random(5);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        int[][] reference = CyclicRanking.neighbourLists(Nd4j.create(v, new long[] {n, d}, 'c').castTo(DataType.DOUBLE), 10);
        NearestNeighbours.Lists got = NearestNeighbours.of(v, n, d).search(0, n, 10, 7);
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < 10; q++) {
                double want = distance(v, d, i, reference[i][q]);
                assertEquals(want, got.distances()[i][q], 1e-4 * Math.max(1, want), "anchor " + i + " rank " + q);
            }
            // random Gaussian rows have no near-ties at this size: the order is the reference's
            assertArrayEquals(reference[i], got.neighbours()[i], "anchor " + i);
        }
    }

    @Test
    void aSingleRowHasNoNeighbours() {
        NearestNeighbours.Lists got = NearestNeighbours.of(new float[] {1, 2}, 1, 2).search(0, 1, 3, 4);
        assertEquals(0, got.neighbours()[0].length);
    }

    @Test
    void badArgumentsSayWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NearestNeighbours.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("2 x 3 = 6 values, got 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NearestNeighbours(Nd4j.zeros(3)));
        assertTrue(e.getMessage().contains("[N, D]"), e.getMessage());
        NearestNeighbours s = NearestNeighbours.of(new float[6], 3, 2);
        e = assertThrows(IllegalArgumentException.class, () -> s.search(1, 4, 2, 2));
        assertTrue(e.getMessage().contains("[1, 4) is not within [0, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.search(0, 3, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> s.search(0, 3, 2, 0));
    }

    @Test
    void workingMemoryIsBoundedByTheBlock() {
        assertEquals(4L * 1024 * 2048 + 8L * 1024 * 1024 + 12L * 1024 * 15, NearestNeighbours.workingBytes(1024, 2048, 15));
    }
}
