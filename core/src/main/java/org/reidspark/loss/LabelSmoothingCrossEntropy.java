package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy with label smoothing (Szegedy et al., "Rethinking the Inception Architecture for Computer
 * Vision", CVPR 2016, https://arxiv.org/abs/1512.00567, section 7), as BoT (https://arxiv.org/abs/1903.07071) uses
 * it on the identity logits: the target is {@code q = (1 - eps) * onehot(y) + eps / K} and
 * {@code L = -(1/B) sum_i sum_k q_ik log softmax(x_i)_k}; {@code dL/dx = (softmax(x) - q) / B}.
 *
 * <p>Shapes: logits {@code [B, K]}, labels {@code B} ints in {@code [0, K)}; gradient {@code [B, K]}.
 */
public final class LabelSmoothingCrossEntropy implements Loss {
    private final double epsilon;

    /** @param epsilon smoothing in [0, 1); 0 is the plain cross-entropy (BoT: 0.1) */
    public LabelSmoothingCrossEntropy(double epsilon) {
        if (!(epsilon >= 0 && epsilon < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + epsilon);
        this.epsilon = epsilon;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public LossResult compute(INDArray logits, Targets targets) {
        int[] labels = targets.labels();
        Loss.checkBatch("cross-entropy", logits, labels);
        long b = logits.size(0);
        long k = logits.size(1);
        INDArray logProb = Softmax.log(logits);
        INDArray prob = Transforms.exp(logProb, true);
        INDArray target = logits.ulike().assign(epsilon / k);
        for (int i = 0; i < b; i++) {
            int y = labels[i];
            if (y < 0 || y >= k) throw new IllegalArgumentException("label " + y + " of sample " + i + " is outside [0, " + k + ")");
            target.putScalar(i, y, target.getDouble(i, y) + (1 - epsilon));
        }
        double value = -logProb.mul(target).sumNumber().doubleValue() / b;
        INDArray gradient = prob.subi(target).divi(b);
        return new LossResult(value, gradient);
    }
}
