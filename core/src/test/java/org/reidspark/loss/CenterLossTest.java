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

    @Test
    void valueIsMeanSquaredDistanceToOwnCenter() {
        CenterLoss c = new CenterLoss(4, 6, 0.5, 1, DataType.DOUBLE);
        INDArray x = features();
        double expected = 0;
        for (int i = 0; i < LABELS.length; i++) {
            double d = x.getRow(i).sub(c.centers().getRow(LABELS[i])).norm2Number().doubleValue();
            expected += d * d;
        }
        assertEquals(expected / LABELS.length, c.compute(x, LABELS).value(), 1e-10);
    }

    @Test
    void featureGradientMatchesCentralDifferences() {
        CenterLoss c = new CenterLoss(4, 6, 0.5, 1, DataType.DOUBLE);
        INDArray x = features();
        LossResult r = c.compute(x, LABELS);
        NumericalGradient.Report rep = NumericalGradient.check(v -> c.compute(v, LABELS).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }

    @Test
    void centerGradientMatchesCentralDifferences() {
        CenterLoss c = new CenterLoss(4, 6, 0.5, 1, DataType.DOUBLE);
        INDArray x = features();
        INDArray g = c.centerGradient(x, LABELS);
        NumericalGradient.Report rep = NumericalGradient.check(centers -> c.compute(x, LABELS).value(), c.centers(), g);
        assertTrue(rep.passed(), rep.toString());
        assertEquals(0, g.getRow(3).norm2Number().doubleValue(), 0, "class 3 is not in the batch");
    }

    @Test
    void updateIsSgdOnTheCentersOnly() {
        CenterLoss c = new CenterLoss(4, 6, 0.5, 1, DataType.DOUBLE);
        INDArray x = features();
        INDArray before = c.centers().dup();
        INDArray expected = before.sub(c.centerGradient(x, LABELS).mul(0.5));
        double lossBefore = c.compute(x, LABELS).value();
        c.updateCenters(x, LABELS);
        assertTrue(expected.equalsWithEps(c.centers(), 1e-12));
        assertArrayEquals(before.getRow(3).toDoubleVector(), c.centers().getRow(3).toDoubleVector(), 0);
        assertTrue(c.compute(x, LABELS).value() < lossBefore);
        assertEquals(features(), x, "features are not modified");
    }

    @Test
    void seededInitializationIsReproducible() {
        assertEquals(new CenterLoss(3, 4, 0.5, 9, DataType.DOUBLE).centers(), new CenterLoss(3, 4, 0.5, 9, DataType.DOUBLE).centers());
    }

    @Test
    void shapeErrors() {
        CenterLoss c = new CenterLoss(4, 6, 0.5, 1, DataType.DOUBLE);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.compute(Nd4j.zeros(DataType.DOUBLE, 2, 5), new int[]{0, 1}))
                .getMessage().contains("dimension 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.compute(Nd4j.zeros(DataType.DOUBLE, 1, 6), new int[]{4}))
                .getMessage().contains("label 4"));
        assertThrows(IllegalArgumentException.class, () -> c.setCenters(Nd4j.zeros(DataType.DOUBLE, 3, 6)));
    }
}
