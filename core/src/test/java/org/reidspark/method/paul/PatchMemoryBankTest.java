package org.reidspark.method.paul;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.testing.NumericalGradient;
import org.reidspark.train.KeyedState;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The patch memory bank against a slow transcription of the official update ({@code smooth.py PatchMemory}), its
 * layout, and the merge of workers' copies by key.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class PatchMemoryBankTest {
    private static final int M = 3;
    private static final int D = 4;

    /** Rows of unit-norm patch features, {@code [n, M*D]}, each patch normalised as PatchNet does. */
    private static INDArray unitPatches(int n, Random r) {
        double[][] f = new double[n][M * D];
        for (double[] row : f) {
            for (int p = 0; p < M; p++) {
                double norm = 0;
                for (int k = 0; k < D; k++) {
                    row[p * D + k] = r.nextGaussian();
                    norm += row[p * D + k] * row[p * D + k];
                }
                for (int k = 0; k < D; k++) row[p * D + k] /= Math.sqrt(norm);
            }
        }
        return Nd4j.create(f);
    }

    private static long[] keys(long from, int n) {
        long[] k = new long[n];
        for (int i = 0; i < n; i++) k[i] = from + 7 * i;
        return k;
    }

    private static void assertEntry(PatchMemoryBank bank, long key, double[] expected, double tol) {
        int row = bank.row(key);
        assertTrue(row >= 0, "no entry for key " + key);
        assertArrayEquals(expected, bank.entry(row).reshape(-1).toDoubleVector(), tol, "key " + key);
    }

    @Test
    void oneEmbeddingPassFillsTheBankInTheFeaturesLayout() {
        Random r = new Random(1);
        PatchMemoryBank bank = new PatchMemoryBank(M, D, PatchMemoryBank.OFFICIAL_MOMENTUM, DataType.DOUBLE);
        INDArray first = unitPatches(20, r);
        INDArray second = unitPatches(15, r);
        int[] rows1 = bank.add(keys(100, 20), first);
        int[] rows2 = bank.add(keys(1000, 15), second); // grows past the initial capacity
        assertEquals(35, bank.size());
        for (int i = 0; i < 20; i++) assertEquals(i, rows1[i]);
        for (int i = 0; i < 15; i++) assertEquals(20 + i, rows2[i]);
        INDArray entries = bank.entries();
        assertArrayEquals(new long[] {M, 35, D}, entries.shape());
        for (int i = 0; i < 15; i++) {
            for (int p = 0; p < M; p++) {
                for (int k = 0; k < D; k++) {
                    assertEquals(second.getDouble(i, p * D + k), entries.getDouble(p, 20 + i, k), 0, "sample " + i + " patch " + p);
                }
            }
        }
        assertArrayEquals(second.getRow(3).toDoubleVector(), bank.rows(new int[] {23}).getRow(0).toDoubleVector(), 0);
        assertEquals(1000 + 7 * 3, bank.key(23));
        assertArrayEquals(new int[] {23, 2}, bank.rows(new long[] {1021, 114}));
        assertEquals(-1, bank.row(5));
        assertEquals(1, bank.touches(0));
    }

    @Test
    void everyPatchSliceOfTheEntriesHoldsItsFeaturesAfterGrowthAndFurtherUpdates() {
        // six patches, 20 entries in a capacity of 32: a patch slice of a [6, 20, d] view of the [6, 32, d] storage
        // came back without data in ND4J 1.0.0-M2.1; entries() is not a view
        Random r = new Random(10);
        int m = 6;
        int d = 2;
        PatchMemoryBank bank = new PatchMemoryBank(m, d, 0.5, DataType.DOUBLE);
        INDArray f = Nd4j.create(DataType.DOUBLE, 21, m * d);
        for (long i = 0; i < f.length(); i++) f.putScalar(i, r.nextGaussian());
        bank.add(keys(0, 20), f.get(NDArrayIndex.interval(0, 20), NDArrayIndex.all()));
        for (int round = 0; round < 3; round++) {
            if (round == 1) bank.add(new long[] {999}, f.get(NDArrayIndex.interval(20, 21), NDArrayIndex.all()));
            if (round == 2) {
                bank.update(new long[] {999, 0}, f.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
                for (int j = 0; j < m * d; j++) {
                    f.putScalar(20, j, 0.5 * f.getDouble(20, j) + 0.5 * f.getDouble(0, j));
                    f.putScalar(0, j, 0.5 * f.getDouble(0, j) + 0.5 * f.getDouble(1, j));
                }
            }
            INDArray entries = bank.entries();
            assertEquals(round == 0 ? 20 : 21, entries.size(1));
            for (int p = 0; p < m; p++) {
                INDArray slice = entries.get(NDArrayIndex.point(p), NDArrayIndex.all(), NDArrayIndex.all());
                for (int row = 0; row < entries.size(1); row++) {
                    assertArrayEquals(f.get(NDArrayIndex.point(row), NDArrayIndex.interval(p * d, (p + 1) * d)).toDoubleVector(),
                            slice.getRow(row).toDoubleVector(), 1e-15, "round " + round + ", patch " + p + ", row " + row);
                }
            }
        }
    }

    @Test
    void updateIsTheOfficialMomentumAverageWithoutRenormalisation() {
        Random r = new Random(2);
        double m = 0.1;
        PatchMemoryBank bank = new PatchMemoryBank(M, D, m, DataType.DOUBLE);
        long[] k = keys(0, 6);
        INDArray init = unitPatches(6, r);
        bank.add(k, init);
        bank.clearTouched();
        // slow transcription: a dict of path -> [M, D] tensors, tmp*(1-m) + m*feat
        double[][] expected = init.toDoubleMatrix();
        // a batch with keys 0, 14, a new key 99 and key 0 again
        long[] batch = {0, 14, 99, 0};
        INDArray f = unitPatches(4, r);
        int[] rows = bank.update(batch, f);
        double[][] fv = f.toDoubleMatrix();
        double[] newEntry = fv[2].clone();
        for (int s : new int[] {0, 3}) for (int j = 0; j < M * D; j++) expected[0][j] = expected[0][j] * (1 - m) + m * fv[s][j];
        for (int j = 0; j < M * D; j++) expected[2][j] = expected[2][j] * (1 - m) + m * fv[1][j];
        assertArrayEquals(new int[] {0, 2, 6, 0}, rows);
        assertEntry(bank, 0, expected[0], 1e-15);
        assertEntry(bank, 14, expected[2], 1e-15);
        assertEntry(bank, 99, newEntry, 0);
        assertEntry(bank, 7, expected[1], 0);
        assertEquals(1, bank.touches(0));
        assertEquals(0, bank.touches(1));
        assertEquals(1, bank.touches(6));
        // not renormalised: a mix of two different unit vectors is shorter than 1
        double norm = bank.entry(2).getRow(0).norm2Number().doubleValue();
        assertTrue(norm < 1 - 1e-6, "entry norm " + norm);
    }

    @Test
    void storedCopiesAreNotTheCallersArrays() {
        PatchMemoryBank bank = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        INDArray f = unitPatches(2, new Random(3));
        double before = f.getDouble(0, 0);
        bank.add(new long[] {1, 2}, f);
        bank.update(new long[] {1}, unitPatches(1, new Random(4)));
        f.putScalar(1, 1, 42.0);
        assertEquals(before, f.getDouble(0, 0), 0, "update changed the caller's features");
        assertTrue(bank.entry(1).getDouble(0, 1) != 42.0, "the bank holds the caller's array");
    }

    @Test
    void mergeAveragesEntriesChangedOnBothTakesOnesChangedOnOneAndKeepsTheRest() {
        Random r = new Random(5);
        PatchMemoryBank base = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        base.add(new long[] {1, 2, 3, 4}, unitPatches(4, r));
        base.clearTouched();
        PatchMemoryBank a = base.copy();
        PatchMemoryBank b = base.copy();
        a.update(new long[] {1, 2}, unitPatches(2, r));
        b.update(new long[] {2, 3, 99}, unitPatches(3, r));
        double[] a1 = a.entry(a.row(1)).reshape(-1).toDoubleVector();
        double[] a2 = a.entry(a.row(2)).reshape(-1).toDoubleVector();
        double[] b2 = b.entry(b.row(2)).reshape(-1).toDoubleVector();
        double[] b3 = b.entry(b.row(3)).reshape(-1).toDoubleVector();
        double[] b99 = b.entry(b.row(99)).reshape(-1).toDoubleVector();
        double[] mean2 = new double[a2.length];
        for (int j = 0; j < a2.length; j++) mean2[j] = (a2[j] + b2[j]) / 2;
        for (PatchMemoryBank merged : new PatchMemoryBank[] {PatchMemoryBank.merge(a, b), PatchMemoryBank.merge(b, a)}) {
            assertEquals(5, merged.size());
            assertEntry(merged, 1, a1, 0);
            assertEntry(merged, 2, mean2, 1e-15);
            assertEntry(merged, 3, b3, 0);
            assertEntry(merged, 4, base.entry(3).reshape(-1).toDoubleVector(), 0);
            assertEntry(merged, 99, b99, 0);
            assertEquals(2, merged.touches(merged.row(2)));
            assertEquals(1, merged.touches(merged.row(1)));
            assertEquals(0, merged.touches(merged.row(4)));
        }
        // a and b unchanged
        assertEntry(a, 2, a2, 0);
        assertEquals(-1, a.row(99));
    }

    @Test
    void mergingThreeWorkersPairwiseInAnyOrderGivesTheirMean() {
        Random r = new Random(6);
        PatchMemoryBank base = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        base.add(new long[] {1, 2}, unitPatches(2, r));
        base.clearTouched();
        PatchMemoryBank[] w = new PatchMemoryBank[3];
        double[] mean = new double[M * D];
        for (int i = 0; i < 3; i++) {
            w[i] = base.copy();
            w[i].update(new long[] {2}, unitPatches(1, r));
            double[] e = w[i].entry(1).reshape(-1).toDoubleVector();
            for (int j = 0; j < e.length; j++) mean[j] += e[j] / 3;
        }
        PatchMemoryBank left = PatchMemoryBank.merge(PatchMemoryBank.merge(w[0], w[1]), w[2]);
        PatchMemoryBank right = PatchMemoryBank.merge(w[0], PatchMemoryBank.merge(w[2], w[1]));
        assertEntry(left, 2, mean, 1e-15);
        assertEntry(right, 2, mean, 1e-15);
        assertEquals(3, left.touches(1));
        assertEntry(left, 1, base.entry(0).reshape(-1).toDoubleVector(), 0);
    }

    @Test
    void banksFromDifferentBroadcastsDoNotMerge() {
        Random r = new Random(7);
        PatchMemoryBank a = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        PatchMemoryBank b = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        a.add(new long[] {1}, unitPatches(1, r));
        b.add(new long[] {1}, unitPatches(1, r));
        a.clearTouched();
        b.clearTouched();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PatchMemoryBank.merge(a, b));
        assertTrue(e.getMessage().contains("key 1"), e.getMessage());
        PatchMemoryBank other = new PatchMemoryBank(M, D + 1, 0.1, DataType.DOUBLE);
        assertThrows(IllegalArgumentException.class, () -> PatchMemoryBank.merge(a, other));
    }

    @Test
    void keyedStateRoundTripKeepsEntriesAndTouches() {
        Random r = new Random(8);
        PatchMemoryBank bank = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        bank.add(new long[] {30, 10, 20}, unitPatches(3, r));
        bank.clearTouched();
        bank.update(new long[] {20}, unitPatches(1, r));
        KeyedState s = bank.toKeyedState();
        assertArrayEquals(new long[] {10, 20, 30}, s.keys());
        assertArrayEquals(bank.rows(new int[] {bank.row(20)}).getRow(0).toDoubleVector(), s.row(20).toDoubleVector(), 0);
        assertTrue(s.touched(1));
        assertTrue(!s.touched(0) && !s.touched(2));
        PatchMemoryBank back = PatchMemoryBank.fromKeyedState(s, M, 0.1);
        for (long k : new long[] {10, 20, 30}) {
            assertEntry(back, k, bank.entry(bank.row(k)).reshape(-1).toDoubleVector(), 0);
            assertEquals(bank.touches(bank.row(k)), back.touches(back.row(k)), "touches of key " + k);
        }
    }

    @Test
    void wrongShapesAndKeysFailWithWhatWasExpected() {
        PatchMemoryBank bank = new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> bank.add(new long[] {1, 2}, Nd4j.zeros(DataType.DOUBLE, 2, M * D + 1)));
        assertTrue(shape.getMessage().contains("[2, 12]") && shape.getMessage().contains("[2, 13]"), shape.getMessage());
        bank.add(new long[] {1}, unitPatches(1, new Random(9)));
        assertThrows(IllegalArgumentException.class, () -> bank.add(new long[] {1}, unitPatches(1, new Random(9))));
        assertThrows(IllegalArgumentException.class, () -> bank.add(new long[] {5, 5}, unitPatches(2, new Random(9))));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> bank.rows(new long[] {1, 8}));
        assertTrue(missing.getMessage().contains("key 8"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PatchMemoryBank(M, D, 1.5, DataType.DOUBLE));
        assertThrows(IllegalStateException.class, () -> new PatchMemoryBank(M, D, 0.1, DataType.DOUBLE).entries());
    }
}
