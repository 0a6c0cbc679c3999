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
class LabelSmoothingCrossEntropyTest {
    private static INDArray randomLogits(long seed, int b, int k) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, b, k).muli(3);
    }

    @Test
    void gradientMatchesCentralDifferences() {
        int[] labels = {0, 3, 6, 3, 1};
        for (double eps : new double[]{0.0, 0.1, 0.5}) {
            LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(eps);
            INDArray x = randomLogits(7, 5, 7);
            LossResult r = ce.compute(x, labels);
            NumericalGradient.Report rep = NumericalGradient.check(v -> ce.compute(v, labels).value(), x, r.gradient());
            assertTrue(rep.passed(), "eps " + eps + ": " + rep);
        }
    }

    @Test
    void valueMatchesDefinitionOnHandCase() {
        // one sample, logits (1, 2, 3), label 2, smoothing 0.3 over K = 3: q = (0.1, 0.1, 0.8)
        INDArray x = Nd4j.createFromArray(new double[][]{{1, 2, 3}});
        double logZ = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double expected = -(0.1 * (1 - logZ) + 0.1 * (2 - logZ) + 0.8 * (3 - logZ));
        assertEquals(expected, new LabelSmoothingCrossEntropy(0.3).compute(x, new int[]{2}).value(), 1e-12);
        assertEquals(logZ - 3, new LabelSmoothingCrossEntropy(0).compute(x, new int[]{2}).value(), 1e-12);
    }

    @Test
    void uniformLogitsGiveLogKWhateverTheSmoothing() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 4, 10).addi(2.5);
        for (double eps : new double[]{0, 0.1, 0.9}) {
            assertEquals(Math.log(10), new LabelSmoothingCrossEntropy(eps).compute(x, new int[]{1, 2, 3, 9}).value(), 1e-12);
        }
    }

    @Test
    void largeLogitsStayFinite() {
        INDArray x = Nd4j.createFromArray(new double[][]{{1000, -1000, 0}});
        LossResult r = new LabelSmoothingCrossEntropy(0.1).compute(x, new int[]{1});
        assertTrue(Double.isFinite(r.value()) && r.value() > 1000, "value " + r.value());
        for (double g : r.gradient().toDoubleVector()) assertTrue(Double.isFinite(g), "gradient " + r.gradient());
        // softmax is (1, 0, 0) to double precision; gradient = p - q with q = (0.1/3, 0.9 + 0.1/3, 0.1/3)
        assertEquals(1 - 0.1 / 3, r.gradient().getDouble(0, 0), 1e-12);
        assertEquals(-(0.9 + 0.1 / 3), r.gradient().getDouble(0, 1), 1e-12);
    }

    @Test
    void badLabelsAndShapesFail() {
        LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ce.compute(x, new int[]{0, 3})).getMessage().contains("label 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ce.compute(x, new int[]{0})).getMessage().contains("2 rows"));
        assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingCrossEntropy(1.0));
    }
}
