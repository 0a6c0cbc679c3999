package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.method.paul.CyclicRanking;
import org.reidspark.method.paul.PatchMemoryBank;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPFL against a slow transcription of the official {@code Ipfl.forward} (mining included), hand-computed cases, and
 * central differences in double (a 1% error fails).
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class IpflLossTest {
    private static Targets targets(INDArray centers, int[] negatives) {
        return Targets.unlabeled().with(IpflLoss.CENTERS, centers).with(IpflLoss.NEGATIVE, negatives);
    }

    private static INDArray gaussian(Random r, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) for (int k = 0; k < cols; k++) row[k] = r.nextGaussian();
        return Nd4j.createFromArray(x);
    }

    private static double dist(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) s += Math.pow(a[k] - b[k], 2);
        return Math.sqrt(s);
    }

    /** {@code Ipfl.forward} transcribed: mining by cyclic ranking over the centers, then the hinge, averaged over rows. */
    private static double slowOfficial(double[][] feature, double[][] centers, int num, double margin, int maxIter, int nearest) {
        double loss = 0;
        for (int i = 0; i < feature.length; i++) {
            int label = i / num;
            double same = dist(feature[i], centers[label]);
            List<double[]> others = new ArrayList<>();
            for (int q = 0; q < centers.length; q++) if (q != label) others.add(new double[] {dist(feature[i], centers[q]), q});
            others.sort((x, y) -> x[0] != y[0] ? Double.compare(x[0], y[0]) : Double.compare(x[1], y[1]));
            double trust = 0; // tensor([0.]) when no candidate qualifies
            for (int j = 0; j < Math.min(maxIter, others.size()); j++) {
                int s = (int) others.get(j)[1];
                List<double[]> sout = new ArrayList<>();
                for (int q = 0; q < centers.length; q++) sout.add(new double[] {dist(centers[s], centers[q]), q});
                sout.sort((x, y) -> x[0] != y[0] ? Double.compare(x[0], y[0]) : Double.compare(x[1], y[1]));
                boolean in = false;
                for (int t = 0; t < Math.min(nearest, centers.length); t++) in |= (int) sout.get(t)[1] == label;
                if (!in) {
                    trust = others.get(j)[0];
                    break;
                }
            }
            loss += Math.max(0, margin + same - trust);
        }
        return loss / feature.length;
    }

    @Test
    void valueIsTheOfficialForwardWithCyclicRankingNegatives() {
        Random r = new Random(31);
        for (int trial = 0; trial < 4; trial++) {
            int b = 10;
            INDArray views = gaussian(r, 2 * b, 6);
            // centers as the image memory holds them: the views' mean, smoothed with an older value
            INDArray centers = IpflLoss.viewMeans(views, 2).muli(0.9).addi(gaussian(r, b, 6).muli(0.1));
            int[] neg = CyclicRanking.official().inBatch(views, centers, 2);
            double expected = slowOfficial(views.toDoubleMatrix(), centers.toDoubleMatrix(), 2, 2, 15, 3);
            assertEquals(expected, new IpflLoss(IpflLoss.OFFICIAL_MARGIN, 2).compute(views, targets(centers, neg)).value(), 1e-12,
                    "trial " + trial);
        }
        // a batch of 3 images: no negative anywhere, the loss is margin + d(anchor, own center)
        INDArray views = gaussian(r, 6, 4);
        INDArray centers = IpflLoss.viewMeans(views, 2);
        int[] neg = CyclicRanking.official().inBatch(views, centers, 2);
        assertArrayEquals(new int[] {-1, -1, -1, -1, -1, -1}, neg);
        assertEquals(slowOfficial(views.toDoubleMatrix(), centers.toDoubleMatrix(), 2, 2, 15, 3),
                new IpflLoss(2, 2).compute(views, targets(centers, neg)).value(), 1e-12);
    }

    @Test
    void handComputedHinges() {
        // one view per image, d = 1: the anchor at 0, its center at 1; a negative at 4, at 2, or none
        INDArray f = Nd4j.createFromArray(new double[][] {{0}, {1}, {2}});
        INDArray c = Nd4j.createFromArray(new double[][] {{1}, {4}, {2}});
        IpflLoss ipfl = new IpflLoss(2, 1);
        // rows: 0 -> own 1, neg 4 (hinge 2 + 1 - 4 < 0); 1 -> own 4, neg 2 (2 + 3 - 1 = 4); 2 -> own 2, none (2 + 0 - 0 = 2)
        LossResult res = ipfl.compute(f, targets(c, new int[] {1, 2, -1}));
        assertEquals((0 + 4 + 2) / 3.0, res.value(), 1e-15);
        // gradients: row 0 inactive; row 1: ((1-4)/3 - (1-2)/1) / 3 = 0 in one dimension; row 2 sits on its own center
        // (distance 0: no gradient, where the code's sqrt would give NaN)
        assertArrayEquals(new double[] {0, 0, 0}, res.gradient().reshape(-1).toDoubleVector(), 1e-15);
        // row 0 with the negative at 2: hinge 2 + 1 - 2 = 1
        assertEquals((1 + 4 + 2) / 3.0, ipfl.compute(f, targets(c, new int[] {2, 2, -1})).value(), 1e-15);
        // two dimensions: anchor (0,0), own center (3,0), negative (0,4): hinge 2 + 3 - 4 = 1, gradient
        // ((f - own)/3 - (f - neg)/4) / 2 = ((-1, 0) - (0, -1)) / 2; the second anchor on its center (0,4), negative
        // (3,0) at 5: hinge 2 + 0 - 5 inactive
        INDArray f2 = Nd4j.createFromArray(new double[][] {{0, 0}, {0, 4}});
        INDArray c2 = Nd4j.createFromArray(new double[][] {{3, 0}, {0, 4}});
        LossResult r2 = ipfl.compute(f2, targets(c2, new int[] {1, 0}));
        assertEquals(0.5, r2.value(), 1e-15);
        assertArrayEquals(new double[] {-0.5, 0.5, 0, 0}, r2.gradient().reshape(-1).toDoubleVector(), 1e-15);
    }

    @Test
    void gradientMatchesCentralDifferencesAndAOnePercentErrorFails() {
        Random r = new Random(32);
        int b = 8;
        INDArray views = gaussian(r, 2 * b, 5);
        INDArray centers = IpflLoss.viewMeans(views, 2).addi(gaussian(r, b, 5).muli(0.2));
        int[] neg = CyclicRanking.official().inBatch(views, centers, 2);
        neg[3] = CyclicRanking.NONE; // a row without a negative
        IpflLoss ipfl = new IpflLoss(IpflLoss.OFFICIAL_MARGIN, 2);
        LossResult res = ipfl.compute(views, targets(centers, neg));
        assertTrue(res.value() > 0);
        NumericalGradient.Report rep = NumericalGradient.check(v -> ipfl.compute(v, targets(centers, neg)).value(), views, res.gradient());
        assertTrue(rep.passed(), rep.toString());
        NumericalGradient.Report off = NumericalGradient.check(v -> ipfl.compute(v, targets(centers, neg)).value(), views, res.gradient().mul(1.01));
        assertFalse(off.passed(), "a 1% error must fail: " + off);
        // a small margin leaves some hinges inactive: their rows get no gradient, the check still passes
        IpflLoss small = new IpflLoss(0.2, 2);
        LossResult s = small.compute(views, targets(centers, neg));
        NumericalGradient.Report repSmall = NumericalGradient.check(v -> small.compute(v, targets(centers, neg)).value(), views, s.gradient());
        assertTrue(repSmall.passed(), repSmall.toString());
    }

    /**
     * Negatives outside the batch (global mining): centers beyond the batch's own, read from the image memory. The loss
     * is the batch-only loss with those centers in the negatives' places, and the gradient checks out.
     */
    @Test
    void negativesBeyondTheBatchAreFurtherCentersAndTheGradientChecksOut() {
        Random r = new Random(35);
        int b = 6;
        INDArray views = gaussian(r, 2 * b, 4);
        INDArray own = IpflLoss.viewMeans(views, 2).addi(gaussian(r, b, 4).muli(0.2));
        INDArray further = gaussian(r, 3, 4).muli(0.5);
        INDArray centers = Nd4j.vstack(own, further);
        int[] neg = {6, 6, 7, 7, -1, -1, 1, 1, 8, 8, 0, 0};
        IpflLoss ipfl = new IpflLoss(IpflLoss.OFFICIAL_MARGIN, 2);
        LossResult res = ipfl.compute(views, targets(centers, neg));
        double expected = 0;
        for (int i = 0; i < 2 * b; i++) {
            double dPos = dist(views.getRow(i).toDoubleVector(), own.getRow(i / 2).toDoubleVector());
            double dNeg = neg[i] < 0 ? 0 : dist(views.getRow(i).toDoubleVector(), centers.getRow(neg[i]).toDoubleVector());
            expected += Math.max(0, IpflLoss.OFFICIAL_MARGIN + dPos - dNeg);
        }
        assertEquals(expected / (2 * b), res.value(), 1e-12);
        NumericalGradient.Report rep = NumericalGradient.check(v -> ipfl.compute(v, targets(centers, neg)).value(), views, res.gradient());
        assertTrue(rep.passed(), rep.toString());
        NumericalGradient.Report off = NumericalGradient.check(v -> ipfl.compute(v, targets(centers, neg)).value(), views, res.gradient().mul(1.01));
        assertFalse(off.passed(), "a 1% error must fail: " + off);
        assertThrows(IllegalArgumentException.class, () -> ipfl.compute(views, targets(centers, new int[] {9, 9, 7, 7, -1, -1, 1, 1, 8, 8, 0, 0})));
    }

    @Test
    void centersFromAOnePatchMemoryBankOfViewMeans() {
        Random r = new Random(33);
        INDArray views = gaussian(r, 8, 3);
        INDArray means = IpflLoss.viewMeans(views, 2);
        assertArrayEquals(views.getRow(2).add(views.getRow(3)).div(2).toDoubleVector(), means.getRow(1).toDoubleVector(), 1e-15);
        PatchMemoryBank imageMemory = new PatchMemoryBank(1, 3, PatchMemoryBank.OFFICIAL_MOMENTUM, DataType.DOUBLE);
        int[] rows = imageMemory.update(new long[] {4, 8, 15, 16}, means); // first sight: the means themselves
        INDArray centers = imageMemory.rows(rows);
        assertEquals(0, centers.sub(means).norm2Number().doubleValue(), 0);
        int[] neg = CyclicRanking.official().inBatch(views, centers, 2);
        assertEquals(slowOfficial(views.toDoubleMatrix(), centers.toDoubleMatrix(), 2, 2, 15, 3),
                new IpflLoss(2, 2).compute(views, targets(centers, neg)).value(), 1e-12);
    }

    @Test
    void wrongInputsFailWithWhatWasExpected() {
        Random r = new Random(34);
        IpflLoss ipfl = new IpflLoss(2, 2);
        INDArray centers = gaussian(r, 3, 4);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ipfl.compute(gaussian(r, 5, 4), targets(centers, new int[5])));
        assertTrue(shape.getMessage().contains("images * 2") && shape.getMessage().contains("[5, 4]"), shape.getMessage());
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> ipfl.compute(gaussian(r, 8, 4), targets(centers, new int[8])));
        assertTrue(few.getMessage().contains("4 images") && few.getMessage().contains("got 3"), few.getMessage());
        IllegalArgumentException own = assertThrows(IllegalArgumentException.class,
                () -> ipfl.compute(gaussian(r, 6, 4), targets(centers, new int[] {1, 1, 1, 0, 0, 2})));
        assertTrue(own.getMessage().contains("view 2"), own.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ipfl.compute(gaussian(r, 6, 4), targets(centers, new int[] {1, 1, 0, 0, 0, 3})));
        assertThrows(IllegalArgumentException.class, () -> ipfl.compute(gaussian(r, 6, 4), targets(centers, new int[4])));
        assertThrows(IllegalArgumentException.class, () -> IpflLoss.viewMeans(gaussian(r, 5, 4), 2));
    }
}
