package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DCR's pixel-level part alignment (self-refinement; Yang and Xu, Neurocomputing 2024,
 * https://doi.org/10.1016/j.neucom.2024.128723; official code github.com/DeepAlchemist/differentiable-categorical-region,
 * {@code part_loss_pixel_wise} in {@code fastreid/modeling/meta_arch/GSS.py}, where it is
 * {@code F.kl_div(log P[:, 1:], T[:, 1:])} with the mean reduction): the KL divergence of the part locator's
 * probabilities from the pseudo-label distribution, over the part channels (the background channel is left out),
 * <pre>
 *   L = 1 / (B K h w) * sum_{b, k >= 1, i, j} T (ln T - ln P),      dL/dP_k = -T_k / (P_k B K h w)
 * </pre>
 * with {@code P} floored at 1e-12 (no gradient below the floor) and terms with {@code T = 0} counted as 0.
 * The pseudo-label distribution {@code T} (channel 0 background, then the K parts) comes in as the targets'
 * array {@value #TARGET}; it is a constant (the official code builds it from detached stripes and a detached
 * foreground map).
 *
 * <p>Shapes: input the locator's probabilities {@code [B, K + 1, h, w]}, target the same shape; gradient the input's
 * shape (zero on channel 0).
 */
public final class PartAlignment implements Loss {
    /** The name of the pseudo-label distribution in the {@link Targets}. */
    public static final String TARGET = "part-targets";
    private static final double FLOOR = 1e-12;

    @Override
    public LossResult compute(INDArray parts, Targets targets) {
        INDArray t = targets.array(TARGET);
        if (parts.rank() != 4 || parts.size(1) < 2 || !java.util.Arrays.equals(parts.shape(), t.shape())) {
            throw new IllegalArgumentException("part alignment expects probabilities [B, K + 1, h, w] with K >= 1 and a target of"
                    + " the same shape; got " + java.util.Arrays.toString(parts.shape()) + " and " + java.util.Arrays.toString(t.shape()));
        }
        long k = parts.size(1) - 1;
        double n = (double) parts.size(0) * k * parts.size(2) * parts.size(3);
        INDArray p = parts.get(NDArrayIndex.all(), NDArrayIndex.interval(1, k + 1), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray tp = t.get(NDArrayIndex.all(), NDArrayIndex.interval(1, k + 1), NDArrayIndex.all(), NDArrayIndex.all())
                .castTo(parts.dataType());
        INDArray floored = Transforms.max(p, FLOOR, true);
        INDArray above = p.gte(FLOOR).castTo(parts.dataType());
        INDArray positive = tp.gt(0).castTo(parts.dataType());
        // T ln T with 0 ln 0 = 0
        INDArray tLogT = tp.mul(Transforms.log(Transforms.max(tp, FLOOR, true), false)).muli(positive);
        double value = tLogT.sub(tp.mul(Transforms.log(floored, true))).sumNumber().doubleValue() / n;
        INDArray gradient = parts.ulike().assign(0);
        gradient.get(NDArrayIndex.all(), NDArrayIndex.interval(1, k + 1), NDArrayIndex.all(), NDArrayIndex.all())
                .assign(tp.div(floored).muli(above).muli(-1.0 / n));
        return new LossResult(value, gradient);
    }
}
