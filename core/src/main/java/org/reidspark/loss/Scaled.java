package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss on its input multiplied by a scale: {@code L(x) = inner(s x)}, {@code dL/dx = s inner'(s x)}. CAL's clothes
 * classifier loss is the cross-entropy of its cosines scaled by s = 16 (the official code's {@code CosFaceLoss} with
 * margin 0, https://arxiv.org/abs/2204.06890).
 *
 * <p>Shapes: those of {@code inner}.
 */
public final class Scaled implements Loss {
    private final Loss inner;
    private final double scale;

    public Scaled(Loss inner, double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("scale must be > 0, got " + scale);
        this.inner = inner;
        this.scale = scale;
    }

    @Override
    public LossResult compute(INDArray input, Targets targets) {
        LossResult r = inner.compute(input.mul(scale), targets);
        return new LossResult(r.value(), r.gradient().mul(scale));
    }
}
