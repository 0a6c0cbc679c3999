package org.reidspark.model.norm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The arithmetic of instance normalization, shared by {@link InstanceNormLayer} and {@link AdaptiveInstanceNormVertexImpl}:
 * per sample and channel, over the {@code h x w} positions, {@code xhat = (x - mean) / sqrt(var + eps)} with the biased
 * variance, as PyTorch's {@code nn.InstanceNorm2d} (affine off, no running statistics) and the {@code F.batch_norm}
 * of DG-Net's {@code AdaptiveInstanceNorm2d} compute it. Shapes: {@code x}, {@code xhat} {@code [B, C, h, w]};
 * {@code invStd} {@code [B, C]}.
 */
final class InstanceNorms {
    private InstanceNorms() {
    }

    /** The normalized map and the inverse standard deviations of one forward pass. */
    record Normalized(INDArray xhat, INDArray invStd) {
    }

    static Normalized normalize(INDArray x, double eps) {
        if (x.rank() != 4) throw new IllegalArgumentException("instance normalization needs [B, C, h, w], got " + java.util.Arrays.toString(x.shape()));
        INDArray mean = x.mean(2, 3);                                         // [B, C]
        INDArray centered = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x, mean, centered, 0, 1));
        INDArray var = centered.mul(centered).mean(2, 3);                     // biased
        INDArray invStd = Transforms.pow(var.addi(eps), -0.5, false);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(centered, invStd, centered, 0, 1));
        return new Normalized(centered, invStd);
    }

    /**
     * The error at the input from the error {@code dxhat} at the normalized map:
     * {@code dx = invStd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))}, means over {@code h x w}.
     */
    static INDArray backward(INDArray dxhat, Normalized n) {
        INDArray meanD = dxhat.mean(2, 3);                                    // [B, C]
        INDArray meanDX = dxhat.mul(n.xhat()).mean(2, 3);                     // [B, C]
        INDArray dx = Nd4j.createUninitialized(dxhat.dataType(), dxhat.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(n.xhat(), meanDX, dx, 0, 1));
        dx.rsubi(dxhat);
        Nd4j.getExecutioner().exec(new BroadcastSubOp(dx, meanD, dx, 0, 1));
        Nd4j.getExecutioner().exec(new BroadcastMulOp(dx, n.invStd(), dx, 0, 1));
        return dx;
    }
}
