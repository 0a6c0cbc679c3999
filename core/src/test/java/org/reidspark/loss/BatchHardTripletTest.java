package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NumericalGradient.DoublePrecision.class)
class BatchHardTripletTest {
    private static final int[] LABELS = {0, 0, 1, 1, 2, 2, 2, 3};

    /** Random features: distinct distances almost surely, so the batch-hard choices have no ties. */
    private static INDArray features(long seed, int b, int d) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, b, d);
    }

    /** The obvious implementation: per anchor, loop over all others with Euclidean distances computed directly. */
    private static double reference(double[][] x, int[] labels, double margin, boolean soft) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double hardestPos = 0;
            double hardestNeg = Double.POSITIVE_INFINITY;
            for (int j = 0; j < x.length; j++) {
                if (j == i) continue;
                double d = 0;
                for (int k = 0; k < x[i].length; k++) d += (x[i][k] - x[j][k]) * (x[i][k] - x[j][k]);
                d = Math.sqrt(d);
                if (labels[j] == labels[i]) hardestPos = Math.max(hardestPos, d);
                else hardestNeg = Math.min(hardestNeg, d);
            }
            double z = hardestPos - hardestNeg;
            sum += soft ? Math.log(1 + Math.exp(z)) : Math.max(0, z + margin);
        }
        return sum / x.length;
    }

    @Test
    void hingeValueAndGradient() {
        INDArray x = features(3, LABELS.length, 5);
        BatchHardTriplet t = new BatchHardTriplet(2.0, false);
        LossResult r = t.compute(x, LABELS);
        assertEquals(reference(x.toDoubleMatrix(), LABELS, 2.0, false), r.value(), 1e-10);
        assertTrue(r.value() > 0);
        NumericalGradient.Report rep = NumericalGradient.check(v -> t.compute(v, LABELS).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void softMarginValueAndGradient() {
        INDArray x = features(4, LABELS.length, 6);
        BatchHardTriplet t = new BatchHardTriplet(0.3, true);
        LossResult r = t.compute(x, LABELS);
        assertEquals(reference(x.toDoubleMatrix(), LABELS, 0, true), r.value(), 1e-10);
        NumericalGradient.Report rep = NumericalGradient.check(v -> t.compute(v, LABELS).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void botMarginOnMixedActiveAndInactiveAnchors() {
        // spread clusters so that some anchors satisfy the 0.3 margin and others do not
        INDArray x = features(5, LABELS.length, 4);
        for (int i = 0; i < LABELS.length; i++) x.getRow(i).addi(LABELS[i] * 0.9);
        BatchHardTriplet t = new BatchHardTriplet(0.3, false);
        LossResult r = t.compute(x, LABELS);
        assertEquals(reference(x.toDoubleMatrix(), LABELS, 0.3, false), r.value(), 1e-10);
        NumericalGradient.Report rep = NumericalGradient.check(v -> t.compute(v, LABELS).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void wellSeparatedIdentitiesGiveZeroLossAndGradient() {
        double[][] pts = {{0, 0}, {0.1, 0}, {10, 0}, {10, 0.1}};
        INDArray x = Nd4j.createFromArray(pts);
        LossResult r = new BatchHardTriplet(0.3, false).compute(x, new int[]{0, 0, 1, 1});
        assertEquals(0, r.value(), 0);
        assertEquals(0, r.gradient().norm2Number().doubleValue(), 0);
    }

    @Test
    void anchorWithoutPositiveUsesZeroPositiveDistance() {
        // label 3 has one sample: its term is max(0, 0 - d_an + margin), compared to the reference
        INDArray x = features(6, LABELS.length, 3).muli(0.05);
        BatchHardTriplet t = new BatchHardTriplet(0.3, false);
        LossResult r = t.compute(x, LABELS);
        assertEquals(reference(x.toDoubleMatrix(), LABELS, 0.3, false), r.value(), 1e-10);
        NumericalGradient.Report rep = NumericalGradient.check(v -> t.compute(v, LABELS).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void distancesAreEuclidean() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0, 0}, {3, 4}});
        INDArray d = BatchHardTriplet.distances(x);
        assertEquals(5, d.getDouble(0, 1), 1e-12);
        assertEquals(1e-6, d.getDouble(0, 0), 1e-12);
    }

    @Test
    void singleIdentityBatchFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchHardTriplet(0.3, false).compute(features(1, 3, 2), new int[]{4, 4, 4}));
        assertTrue(e.getMessage().contains("two identities"), e.getMessage());
    }
}
