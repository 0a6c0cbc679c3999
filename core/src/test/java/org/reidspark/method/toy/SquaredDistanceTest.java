package org.reidspark.method.toy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The toy's squared-distance loss: value by hand, gradient by central differences in double precision. */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class SquaredDistanceTest {
    @Test
    void valueAndGradient() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 3);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 4, 3);
        Targets t = Targets.of(new int[4]).with("y", y);
        SquaredDistance loss = new SquaredDistance("y");
        LossResult r = loss.compute(x, t);
        assertEquals(x.sub(y).norm2Number().doubleValue() * x.sub(y).norm2Number().doubleValue() / 4, r.value(), 1e-12);
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss.compute(v, t).value(), x, r.gradient());
        assertTrue(rep.passed(), rep.toString());
    }
}
