package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NumericalGradient.DoublePrecision.class)
class CenterLossTest {
    private static final int[] LABELS = {0, 2, 2, 1, 0};

    private static INDArray features() {
        Nd4j.getRandom().setSeed(11);
        return Nd4j.randn(DataType.DOUBLE, LABELS.length, 6);
    }

    private static INDArray centers() {
        return CenterLoss.initialCenters(4, 6, 1, DataType.DOUBLE);
    }

    private static Targets targets(INDArray centers) {
        return Targets.of(LABELS).with(CenterLoss.CENTERS, centers);
    }

    @Test
    void valueIsMeanSquaredDistanceToOwnCenter() {
        CenterLoss c = new CenterLoss(0.5);
        INDArray x = features();
        INDArray centers = centers();
        double expected = 0;
        for (int i = 0; i < LABELS.length; i++) {
            double d = x.getRow(i).sub(centers.getRow(LABELS[i])).norm2Number().doubleValue();
            expected += d * d;
        }
        assertEquals(expected / LABELS.length, c.compute(x, targets(centers)).value(), 1e-10);
    }

    @Test
    void featureGradientMatchesCentralDifferences() {
        CenterLoss c = new CenterLoss(0.5);
        INDArray x = features();
        Targets t = targets(centers());
        LossResult r = c.compute(x, t);
        NumericalGradient.Report rep = NumericalGradient.check(v -> c.compute(v, t).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void centerGradientMatchesCentralDifferences() {
        CenterLoss c = new CenterLoss(0.5);
        INDArray x = features();
        INDArray centers = centers();
        INDArray g = c.centerGradient(x, LABELS, centers);
        NumericalGradient.Report rep = NumericalGradient.check(v -> c.compute(x, targets(v)).value(), centers, g);
        assertTrue(rep.passed(), rep.toString());
        assertEquals(0, g.getRow(3).norm2Number().doubleValue(), 0, "class 3 is not in the batch");
    }

    @Test
    void updateIsSgdOnTheCentersInPlace() {
        CenterLoss c = new CenterLoss(0.5);
        INDArray x = features();
        INDArray centers = centers();
        INDArray before = centers.dup();
        INDArray expected = before.sub(c.centerGradient(x, LABELS, centers).mul(0.5));
        double lossBefore = c.compute(x, targets(centers)).value();
        c.updateCenters(x, LABELS, centers);
        assertTrue(expected.equalsWithEps(centers, 1e-12));
        assertArrayEquals(before.getRow(3).toDoubleVector(), centers.getRow(3).toDoubleVector(), 0);
        assertTrue(c.compute(x, targets(centers)).value() < lossBefore);
        assertEquals(features(), x, "features are not modified");
    }

    @Test
    void seededInitializationIsReproducible() {
        assertEquals(CenterLoss.initialCenters(3, 4, 9, DataType.DOUBLE), CenterLoss.initialCenters(3, 4, 9, DataType.DOUBLE));
    }

    @Test
    void shapeAndInputErrors() {
        CenterLoss c = new CenterLoss(0.5);
        INDArray centers = centers();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.compute(Nd4j.zeros(DataType.DOUBLE, 2, 5),
                Targets.of(new int[]{0, 1}).with(CenterLoss.CENTERS, centers))).getMessage().contains("dimension 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.compute(Nd4j.zeros(DataType.DOUBLE, 1, 6),
                Targets.of(new int[]{4}).with(CenterLoss.CENTERS, centers))).getMessage().contains("label 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.compute(features(), Targets.of(LABELS)))
                .getMessage().contains("\"centers\""), "the centers are named when a step forgets them");
    }
}
