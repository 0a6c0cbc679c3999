package org.reidspark.method.dgnet;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Softmax;

import java.util.Arrays;

/**
 * DG-Net's two losses besides cross-entropy and the LSGAN terms (https://arxiv.org/abs/1904.07223; official code
 * NVlabs/DG-Net {@code trainer.py}: {@code recon_criterion} and {@code criterion_teacher}), each with its gradient.
 */
final class DgNetLosses {
    private DgNetLosses() {
    }

    /**
     * The official {@code recon_criterion}: {@code mean |a - t|} over every element of {@code a} (any shape, e.g.
     * images {@code [B, 3, H, W]} or codes {@code [B, C, h, w]}), the target fixed; gradient {@code sign(a - t) / n}.
     */
    static LossResult l1(INDArray a, INDArray target) {
        if (!Arrays.equals(a.shape(), target.shape())) {
            throw new IllegalArgumentException("L1 of arrays of shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(target.shape()));
        }
        INDArray diff = a.sub(target.castTo(a.dataType()));
        double value = Transforms.abs(diff, true).meanNumber().doubleValue();
        return new LossResult(value, Transforms.sign(diff, false).divi(diff.length()));
    }

    /**
     * The official teacher loss {@code KLDivLoss(size_average=False)(log_softmax(z), q) / B}: {@code KL(q || softmax(z))}
     * summed over the classes, averaged over the batch. Logits {@code z [B, K]}, soft labels {@code q [B, K]} (rows
     * summing to 1, fixed); gradient {@code (softmax(z) - q) / B}. Terms with {@code q = 0} count 0.
     */
    static LossResult kl(INDArray logits, INDArray q) {
        if (!Arrays.equals(logits.shape(), q.shape())) {
            throw new IllegalArgumentException("KL of logits " + Arrays.toString(logits.shape()) + " and soft labels " + Arrays.toString(q.shape()));
        }
        long b = logits.size(0);
        INDArray target = q.castTo(logits.dataType());
        INDArray logP = Softmax.log(logits);
        INDArray safeQ = Transforms.max(target, Double.MIN_NORMAL, true);
        INDArray terms = target.mul(Transforms.log(safeQ, true).subi(logP));
        double value = terms.sumNumber().doubleValue() / b;
        INDArray gradient = Transforms.exp(logP, true).subi(target).divi(b);
        return new LossResult(value, gradient);
    }
}
