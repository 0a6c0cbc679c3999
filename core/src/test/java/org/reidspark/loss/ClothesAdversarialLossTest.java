package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CAL's loss against a slow transcription of the official code's formula, its gradient against central differences
 * in double (a 1% error fails), and the clothes classifier's scaled cross-entropy.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class ClothesAdversarialLossTest {
    /** Clothes classes 0-1 belong to identity A, 2-4 to B, 5 to C; samples: A in 0, A in 1, B in 3, C in 5, B in 2. */
    private static final int[] OWN = {0, 1, 3, 5, 2};
    private static final int[] IDENTITY_OF_CLASS = {0, 0, 1, 1, 1, 2};
    private static final int[] IDENTITY = {0, 0, 1, 2, 1};

    private static INDArray mask() {
        INDArray m = Nd4j.zeros(DataType.DOUBLE, OWN.length, IDENTITY_OF_CLASS.length);
        for (int i = 0; i < OWN.length; i++) {
            for (int c = 0; c < IDENTITY_OF_CLASS.length; c++) if (IDENTITY_OF_CLASS[c] == IDENTITY[i]) m.putScalar(i, c, 1);
        }
        return m;
    }

    private static Targets targets() {
        return Targets.of(OWN).with(ClothesAdversarialLoss.POSITIVE_MASK, mask());
    }

    private static INDArray cosines(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, OWN.length, IDENTITY_OF_CLASS.length).muli(2).subi(1);
    }

    /** The official forward pass, element by element. */
    private static double slow(INDArray x, double s, double eps) {
        INDArray mask = mask();
        double total = 0;
        for (int i = 0; i < OWN.length; i++) {
            double negSum = 0;
            int positives = 0;
            for (int j = 0; j < x.size(1); j++) {
                if (mask.getDouble(i, j) == 0) negSum += Math.exp(s * x.getDouble(i, j));
                else positives++;
            }
            for (int k = 0; k < x.size(1); k++) {
                double logProb = s * x.getDouble(i, k) - Math.log(negSum + Math.exp(s * x.getDouble(i, k)));
                double q = (k == OWN[i] ? 1 - eps : 0) + eps / positives * mask.getDouble(i, k);
                total -= q * logProb;
            }
        }
        return total / OWN.length;
    }

    @Test
    void valueIsTheOfficialFormula() {
        for (double eps : new double[] {0, 0.1, 0.5}) {
            INDArray x = cosines(3);
            assertEquals(slow(x, 16, eps), new ClothesAdversarialLoss(16, eps).compute(x, targets()).value(), 1e-9, "eps " + eps);
        }
    }

    @Test
    void withoutEpsilonItIsTheOwnClassAgainstOtherPeoplesClothes() {
        // one sample of identity A (classes 0, 1) wearing 0: the other positive, class 1, is left out of the softmax
        INDArray x = Nd4j.createFromArray(new double[][] {{0.5, 0.9, -0.2}});
        INDArray m = Nd4j.createFromArray(new double[][] {{1, 1, 0}});
        double s = 4;
        double expected = -(s * 0.5 - Math.log(Math.exp(s * 0.5) + Math.exp(s * -0.2)));
        assertEquals(expected, new ClothesAdversarialLoss(s, 0).compute(x, Targets.of(new int[] {0})
                .with(ClothesAdversarialLoss.POSITIVE_MASK, m)).value(), 1e-12);
    }

    @Test
    void gradientMatchesCentralDifferencesAndAOnePercentErrorFails() {
        for (double eps : new double[] {0, 0.1}) {
            ClothesAdversarialLoss cal = new ClothesAdversarialLoss(16, eps);
            INDArray x = cosines(7);
            LossResult r = cal.compute(x, targets());
            NumericalGradient.Report rep = NumericalGradient.check(v -> cal.compute(v, targets()).value(), x, r.gradient());
            assertTrue(rep.passed(), "eps " + eps + ": " + rep);
            NumericalGradient.Report off = NumericalGradient.check(v -> cal.compute(v, targets()).value(), x, r.gradient().mul(1.01));
            assertFalse(off.passed(), "a 1% error must fail: " + off);
        }
    }

    @Test
    void largeScoresStayFinite() {
        INDArray x = cosines(5).muli(200);
        LossResult r = new ClothesAdversarialLoss(16, 0.1).compute(x, targets());
        assertTrue(Double.isFinite(r.value()), "value " + r.value());
        for (double g : r.gradient().reshape(-1).toDoubleVector()) assertTrue(Double.isFinite(g), "gradient " + r.gradient());
    }

    @Test
    void anOwnClassOutsideItsPositivesFails() {
        INDArray x = cosines(1);
        int[] wrong = OWN.clone();
        wrong[3] = 0; // sample 3 is identity C, class 0 is A's
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClothesAdversarialLoss(16, 0.1)
                .compute(x, Targets.of(wrong).with(ClothesAdversarialLoss.POSITIVE_MASK, mask())));
        assertTrue(e.getMessage().contains("sample 3"), e.getMessage());
    }

    @Test
    void scaledCrossEntropyIsTheCrossEntropyOfScaledCosinesWithItsGradient() {
        INDArray x = cosines(9);
        Scaled ce = new Scaled(new LabelSmoothingCrossEntropy(0), 16);
        LossResult r = ce.compute(x, Targets.of(OWN));
        assertEquals(new LabelSmoothingCrossEntropy(0).compute(x.mul(16), OWN).value(), r.value(), 1e-12);
        NumericalGradient.Report rep = NumericalGradient.check(v -> ce.compute(v, Targets.of(OWN)).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }
}
