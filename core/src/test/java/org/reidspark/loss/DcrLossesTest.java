package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DCR's stripe overlap penalty and pixel-level part alignment: values by hand, gradients by central differences in double. */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class DcrLossesTest {
    @Test
    void overlapIsTheMeanSharedFractionOfRowsOverPairs() {
        // B = 1, K = 3, h = 4: stripes rows {0,1}, {1,2}, {2,3}: pairs (0,1) share 1 row, (0,2) 0, (1,2) 1
        INDArray s = Nd4j.createFromArray(new double[][][] {{{1, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}}});
        LossResult r = new StripeOverlap().compute(s, Targets.unlabeled());
        assertEquals((1 + 0 + 1) / (3.0 * 4), r.value(), 1e-15);
        // disjoint stripes: nothing to penalize
        INDArray d = Nd4j.createFromArray(new double[][][] {{{1, 0, 0, 0}, {0, 1, 1, 0}, {0, 0, 0, 1}}});
        assertEquals(0.0, new StripeOverlap().compute(d, Targets.unlabeled()).value());
        // one part: no pairs
        LossResult one = new StripeOverlap().compute(Nd4j.ones(DataType.DOUBLE, 2, 1, 4), Targets.unlabeled());
        assertEquals(0.0, one.value());
        assertEquals(0.0, one.gradient().norm2Number().doubleValue());
    }

    /** The gradient of the penalty with the earlier stripe of each pair held as the detached reference. */
    @Test
    void overlapGradientPushesOnlyTheLaterStripeOfEachPair() {
        Nd4j.getRandom().setSeed(4);
        INDArray s = Nd4j.rand(DataType.DOUBLE, 3, 4, 6);
        INDArray reference = s.dup();
        StripeOverlap loss = new StripeOverlap();
        LossResult r = loss.compute(reference, s);
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss.compute(reference, v).value(), s, r.gradient());
        assertTrue(rep.passed(), rep.toString());
        assertEquals(0.0, r.gradient().get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).norm2Number().doubleValue(), "the first stripe is only a reference");
        assertEquals(loss.compute(s, s).value(), loss.compute(s, Targets.unlabeled()).value(), 1e-15);
    }

    @Test
    void alignmentIsTheKlOfThePartChannelsAndItsGradientMatches() {
        Nd4j.getRandom().setSeed(8);
        INDArray logits = Nd4j.randn(DataType.DOUBLE, 2, 4, 3, 2);
        INDArray p = softmax(logits);
        INDArray t = softmax(Nd4j.randn(DataType.DOUBLE, 2, 4, 3, 2).muli(3));
        Targets targets = Targets.unlabeled().with(PartAlignment.TARGET, t);
        PartAlignment loss = new PartAlignment();
        LossResult r = loss.compute(p, targets);
        double expected = 0;
        for (int b = 0; b < 2; b++) for (int k = 1; k < 4; k++) for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) {
            double tv = t.getDouble(b, k, i, j);
            expected += tv * (Math.log(tv) - Math.log(p.getDouble(b, k, i, j)));
        }
        assertEquals(expected / (2 * 3 * 3 * 2), r.value(), 1e-12);
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss.compute(v, targets).value(), p, r.gradient());
        assertTrue(rep.passed(), rep.toString());
        assertEquals(0.0, r.gradient().get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()).norm2Number().doubleValue(),
                "the background channel is not aligned");
        // equal distributions: zero loss
        assertEquals(0.0, loss.compute(t, targets).value(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> loss.compute(p, Targets.unlabeled().with(PartAlignment.TARGET,
                Nd4j.ones(DataType.DOUBLE, 2, 3, 3, 2))));
    }

    private static INDArray softmax(INDArray x) {
        INDArray e = Transforms.exp(x, true);
        INDArray sum = e.sum(true, 1);
        return e.divi(sum.broadcast(e.shape()));
    }
}
