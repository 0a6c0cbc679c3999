package org.reidspark.method.toy;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.loss.Loss;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;

/**
 * {@code L = (1/B) sum_i ||x_i - y_i||^2} to a target array {@code y} {@code [B, D]} read from the {@link Targets}
 * under a name; {@code dL/dx = 2 (x - y) / B}. Input {@code [B, D]}.
 */
final class SquaredDistance implements Loss {
    private final String target;

    SquaredDistance(String target) {
        this.target = target;
    }

    @Override
    public LossResult compute(INDArray x, Targets targets) {
        INDArray y = targets.array(target);
        if (!java.util.Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException("squared distance to " + target + ": input " + java.util.Arrays.toString(x.shape())
                    + ", target " + java.util.Arrays.toString(y.shape()));
        }
        INDArray diff = x.sub(y.castTo(x.dataType()));
        long b = x.size(0);
        double value = diff.mul(diff).sumNumber().doubleValue() / b;
        return new LossResult(value, diff.muli(2.0 / b));
    }
}
