package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Row-wise softmax and log-softmax of logits {@code [B, K]}, shifted by each row's maximum (new arrays). */
public final class Softmax {
    private Softmax() {
    }

    /** {@code log softmax(z)} per row: {@code z - max(z) - log sum exp(z - max(z))}. */
    public static INDArray log(INDArray logits) {
        long b = logits.size(0);
        INDArray shifted = logits.subColumnVector(logits.max(1).reshape(b, 1));
        INDArray sum = Transforms.exp(shifted, true).sum(1).reshape(b, 1);
        return shifted.subiColumnVector(Transforms.log(sum, true));
    }

    /** {@code softmax(z)} per row. */
    public static INDArray of(INDArray logits) {
        return Transforms.exp(log(logits), false);
    }
}
