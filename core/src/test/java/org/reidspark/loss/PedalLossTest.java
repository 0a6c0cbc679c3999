package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.method.paul.PatchMemoryBank;
import org.reidspark.testing.NumericalGradient;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PEDAL against a slow transcription of the official {@code Pedal.forward}, a hand-computed case, and central
 * differences in double (a 1% error fails).
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class PedalLossTest {
    private static final int M = 2;
    private static final int D = 4;

    private static INDArray gaussian(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian() * 0.5);
        return a;
    }

    private static Targets targets(INDArray bank, int[] rows) {
        return Targets.unlabeled().with(PedalLoss.BANK, bank).with(PedalLoss.BANK_ROW, rows);
    }

    /**
     * {@code Pedal.forward} element by element: per patch the squared distances to all entries, the own column
     * dropped, sorted; {@code -log sum_{first k} exp(-s d) + log sum exp(-s d)}, summed over the batch / B, over
     * patches / M.
     */
    private static double slow(INDArray features, INDArray bank, int[] own, double s, int k) {
        int m = (int) bank.size(0);
        int n = (int) bank.size(1);
        int d = (int) bank.size(2);
        int b = (int) features.size(0);
        double loss = 0;
        for (int p = 0; p < m; p++) {
            double patchLoss = 0;
            for (int i = 0; i < b; i++) {
                Double[] neg = new Double[n - 1];
                int t = 0;
                for (int j = 0; j < n; j++) {
                    if (j == own[i]) continue;
                    double dist = 0;
                    for (int q = 0; q < d; q++) {
                        double diff = features.getDouble(i, p * d + q) - bank.getDouble(p, j, q);
                        dist += diff * diff;
                    }
                    neg[t++] = dist;
                }
                Arrays.sort(neg, Comparator.naturalOrder());
                double x = 0;
                for (int j = 0; j < Math.min(k, neg.length); j++) x += Math.exp(-s * neg[j]);
                double y = 0;
                for (double v : neg) y += Math.exp(-s * v);
                patchLoss += -Math.log(x) + Math.log(y);
            }
            loss += patchLoss / b;
        }
        return loss / m;
    }

    @Test
    void valueIsTheOfficialFormula() {
        Random r = new Random(11);
        int n = 16;
        INDArray bank = gaussian(r, M, n, D);
        INDArray f = gaussian(r, 5, M * D);
        int[] own = {3, 0, 15, 7, 3};
        for (double[] sk : new double[][] {{10, 10}, {15, 3}, {5, 10}, {10, 1}}) {
            PedalLoss pedal = new PedalLoss(sk[0], (int) sk[1]);
            double expected = slow(f, bank, own, sk[0], (int) sk[1]);
            assertEquals(expected, pedal.compute(f, targets(bank, own)).value(), 1e-10 * Math.max(1, Math.abs(expected)),
                    "s " + sk[0] + ", k " + sk[1]);
            assertTrue(expected > 0, "k < N - 1 leaves pushed entries, so the loss is positive: " + expected);
        }
    }

    @Test
    void theOwnEntryIsLeftOutOfNeighboursAndPushes() {
        // one patch, d = 1: bank entries at 0, 1, 2, 3; the sample sits at 0 and owns row 0
        INDArray bank = Nd4j.createFromArray(new double[] {0, 1, 2, 3}).reshape(1, 4, 1);
        INDArray f = Nd4j.createFromArray(new double[][] {{0}});
        double s = 2;
        double expected = -Math.log(Math.exp(-s)) + Math.log(Math.exp(-s) + Math.exp(-4 * s) + Math.exp(-9 * s));
        assertEquals(expected, new PedalLoss(s, 1).compute(f, targets(bank, new int[] {0})).value(), 1e-14);
        // owning row 2 instead: row 0 (distance 0) is now the nearest neighbour
        double other = -Math.log(1) + Math.log(1 + Math.exp(-s) + Math.exp(-9 * s));
        assertEquals(other, new PedalLoss(s, 1).compute(f, targets(bank, new int[] {2})).value(), 1e-14);
    }

    @Test
    void withNoMoreEntriesThanNeighboursTheLossAndGradientAreZero() {
        Random r = new Random(12);
        INDArray bank = gaussian(r, M, 11, D);
        INDArray f = gaussian(r, 3, M * D);
        LossResult res = new PedalLoss(10, 10).compute(f, targets(bank, new int[] {0, 4, 10}));
        assertEquals(0, res.value(), 1e-12);
        assertEquals(0, res.gradient().norm2Number().doubleValue(), 1e-12);
    }

    @Test
    void gradientMatchesCentralDifferencesAndAOnePercentErrorFails() {
        Random r = new Random(13);
        INDArray bank = gaussian(r, M, 14, D);
        int[] own = {2, 9, 13};
        for (double[] sk : new double[][] {{10, 10}, {15, 3}, {5, 1}}) {
            PedalLoss pedal = new PedalLoss(sk[0], (int) sk[1]);
            INDArray f = gaussian(r, 3, M * D);
            LossResult res = pedal.compute(f, targets(bank, own));
            NumericalGradient.Report rep = NumericalGradient.check(v -> pedal.compute(v, targets(bank, own)).value(), f, res.gradient());
            assertTrue(rep.passed(), "s " + sk[0] + ", k " + sk[1] + ": " + rep);
            NumericalGradient.Report off = NumericalGradient.check(v -> pedal.compute(v, targets(bank, own)).value(), f, res.gradient().mul(1.01));
            assertFalse(off.passed(), "a 1% error must fail: " + off);
        }
    }

    @Test
    void readsABankFilledAndUpdatedByPatchMemoryBankAndWorksInFloat() {
        Random r = new Random(14);
        PatchMemoryBank bank = new PatchMemoryBank(M, D, PatchMemoryBank.OFFICIAL_MOMENTUM, DataType.DOUBLE);
        long[] all = new long[20];
        for (int i = 0; i < all.length; i++) all[i] = 500 + i;
        bank.add(all, gaussian(r, 20, M * D));
        INDArray f = gaussian(r, 4, M * D);
        int[] rows = bank.update(new long[] {505, 519, 500, 511}, f);
        PedalLoss pedal = new PedalLoss(PedalLoss.MARKET_SCALE, PedalLoss.DEFAULT_NEIGHBOURS);
        LossResult d = pedal.compute(f, targets(bank.entries(), rows));
        assertEquals(slow(f, bank.entries(), rows, 15, 10), d.value(), 1e-10);
        LossResult single = pedal.compute(f.castTo(DataType.FLOAT), targets(bank.entries().castTo(DataType.FLOAT), rows));
        assertEquals(DataType.FLOAT, single.gradient().dataType());
        assertEquals(d.value(), single.value(), 1e-4 * Math.max(1, d.value()));
        assertTrue(d.gradient().sub(single.gradient().castTo(DataType.DOUBLE)).norm2Number().doubleValue()
                < 1e-3 * d.gradient().norm2Number().doubleValue());
    }

    @Test
    void wrongInputsFailWithWhatWasExpected() {
        Random r = new Random(15);
        INDArray bank = gaussian(r, M, 5, D);
        PedalLoss pedal = new PedalLoss(10, 10);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> pedal.compute(gaussian(r, 2, M * D + 1), targets(bank, new int[] {0, 1})));
        assertTrue(shape.getMessage().contains("[batch, 8]") && shape.getMessage().contains("[2, 9]"), shape.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class,
                () -> pedal.compute(gaussian(r, 2, M * D), targets(bank, new int[] {0, 5})));
        assertTrue(row.getMessage().contains("sample 1"), row.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pedal.compute(gaussian(r, 2, M * D), targets(bank, new int[] {0})));
        assertThrows(IllegalArgumentException.class,
                () -> pedal.compute(gaussian(r, 1, M * D), targets(gaussian(r, M, 1, D), new int[] {0})));
        assertThrows(IllegalArgumentException.class, () -> pedal.compute(gaussian(r, 1, M * D), Targets.unlabeled()));
        assertThrows(IllegalArgumentException.class, () -> new PedalLoss(0, 10));
    }
}
