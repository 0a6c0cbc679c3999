package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DCR's stripe-wise regularization penalty (Yang and Xu, Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723;
 * official code github.com/DeepAlchemist/differentiable-categorical-region, {@code map_overlap_activ_penalty} in
 * {@code fastreid/modeling/meta_arch/GSS.py}): the mean pairwise overlap of the K parts' stripes,
 * <pre>
 *   L = 1 / (npairs B h) * sum_{i < j} sum_{b, r} sg(S[b, i, r]) * S[b, j, r],   npairs = K (K - 1) / 2
 * </pre>
 * where {@code sg} stops the gradient: as in the official code, the earlier stripe of each pair is the detached
 * reference and only the later one is pushed away ({@code dL/dS_j = sum_{i < j} S_i / (npairs B h)}). The official code
 * expands the stripes over the map's width and divides by {@code B h w}; the width cancels. With one part there
 * are no pairs and the penalty is 0. Equal to the fraction of rows two stripes share, averaged over pairs and images.
 *
 * <p>Shapes: input the stripes {@code [B, K, h]} (0/1 in the forward pass of the straight-through estimator);
 * gradient the same shape. No targets are read.
 */
public final class StripeOverlap implements Loss {
    @Override
    public LossResult compute(INDArray stripes, Targets targets) {
        if (stripes.rank() != 3) {
            throw new IllegalArgumentException("stripe overlap expects stripes [B, K, h], got " + java.util.Arrays.toString(stripes.shape()));
        }
        return compute(stripes, stripes);
    }

    /**
     * The penalty with the detached reference {@code reference} (the stripes' values in the forward pass) and the
     * stripes {@code stripes} that receive the gradient; {@link #compute(INDArray, Targets)} passes the same array
     * twice. Both {@code [B, K, h]}.
     */
    public LossResult compute(INDArray reference, INDArray stripes) {
        long b = stripes.size(0);
        long k = stripes.size(1);
        long h = stripes.size(2);
        INDArray gradient = stripes.ulike().assign(0);
        if (k < 2) return new LossResult(0, gradient);
        double norm = (k * (k - 1) / 2.0) * b * h;
        // the running sum of the references of the stripes above j: sum_{i < j} sg(S_i)
        INDArray above = reference.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup();
        double value = 0;
        for (long j = 1; j < k; j++) {
            INDArray sj = stripes.get(NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all());
            value += above.mul(sj).sumNumber().doubleValue();
            gradient.get(NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all()).assign(above.div(norm));
            above.addi(reference.get(NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all()));
        }
        return new LossResult(value / norm, gradient);
    }
}
