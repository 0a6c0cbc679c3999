package org.reidspark.model.backbone;

import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.reidspark.model.backbone.OneDnn.*;

/**
 * BatchNorm's training passes (https://arxiv.org/abs/1502.03167) as oneDNN primitives called directly, for
 * {@link NativeBatchNormalizationLayer} in float on ND4J's CPU backend (see {@link OneDnn}): the forward pass takes
 * the batch statistics and normalizes in one primitive; the backward pass gives the input's gradient (with the terms
 * of the batch mean and variance) and gamma's and beta's in one primitive, where ND4J's path makes 2 native calls
 * forward and 7 backward (docs/performance.md, "Training: oneDNN's convolutions and BatchNorm called directly").
 *
 * <p>Shapes: {@code x, y, dy, dx [B, C, H, W]} or (nhwc) {@code [B, H, W, C]}, dense float, read and written in
 * place; {@code gamma, beta, mean, var} and their gradients {@code [C]} (any dense float array of {@code C} values).
 * The variance is the biased one (over {@code B*H*W} values), as DL4J's layer uses. A plan is for one input shape and
 * is used by one thread at a time, as a layer is.
 */
final class OneDnnBatchNorm {

    private final dnnl_memory src, dst, mean, var, scale, shift, diffDst, diffSrc, diffScale, diffShift;
    private final Op forward, backward;
    private final List<Runnable> natives = new ArrayList<>();

    OneDnnBatchNorm(long[] shape, boolean nhwc, double eps) {
        requireEnabled();
        long channels = nhwc ? shape[3] : shape[1];
        long[] dims = nhwc ? new long[]{shape[0], shape[3], shape[1], shape[2]} : shape.clone();
        dnnl_memory_desc_t data = desc(dims, nhwc ? dnnl_nhwc : dnnl_nchw);
        dnnl_memory_desc_t perChannel = desc(new long[]{channels}, dnnl_a);
        int flags = dnnl_use_scale | dnnl_use_shift;
        dnnl_batch_normalization_desc_t fd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(fd, dnnl_forward_training, data, (float) eps, flags), "BatchNorm forward");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null, natives);
        dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, data, data, (float) eps, flags), "BatchNorm backward");
        dnnl_primitive_desc bpd = primitiveDesc(bd, fpd, natives);
        // the training forward pass's statistics are its second and third outputs
        for (int index = 1; index <= 2; index++) {
            if (dnnl_memory_desc_equal(query(fpd, dnnl_query_dst_md, index), perChannel) != 1) {
                throw new IllegalStateException("oneDNN BatchNorm chose an unexpected layout for its statistics");
            }
        }
        src = memory(data, natives);
        dst = memory(data, natives);
        diffDst = memory(data, natives);
        diffSrc = memory(data, natives);
        mean = memory(perChannel, natives);
        var = memory(perChannel, natives);
        scale = memory(perChannel, natives);
        shift = memory(perChannel, natives);
        diffScale = memory(perChannel, natives);
        diffShift = memory(perChannel, natives);
        forward = new Op(fpd, natives);
        backward = new Op(bpd, natives);
        destroyWhenUnreachable(this, natives);
    }

    /** Training-mode forward pass: {@code y}, and the batch statistics into {@code meanOut} and {@code varOut}. */
    void train(INDArray x, INDArray gamma, INDArray beta, INDArray y, INDArray meanOut, INDArray varOut) {
        handle(src, x);
        handle(scale, gamma);
        handle(shift, beta);
        handle(dst, y);
        handle(mean, meanOut);
        handle(var, varOut);
        dnnl_stream stream = stream();
        forward.run(stream, DNNL_ARG_SRC, src, DNNL_ARG_SCALE, scale, DNNL_ARG_SHIFT, shift, DNNL_ARG_DST, dst,
                DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, var);
        done(stream, x, gamma, beta, y, meanOut, varOut, this);
    }

    /** Backward pass on the statistics of {@link #train}: {@code dx}, {@code dGamma}, {@code dBeta} (overwritten). */
    void backward(INDArray x, INDArray dy, INDArray batchMean, INDArray batchVar, INDArray gamma, INDArray beta,
                  INDArray dx, INDArray dGamma, INDArray dBeta) {
        handle(src, x);
        handle(diffDst, dy);
        handle(mean, batchMean);
        handle(var, batchVar);
        handle(scale, gamma);
        handle(shift, beta);
        handle(diffSrc, dx);
        handle(diffScale, dGamma);
        handle(diffShift, dBeta);
        dnnl_stream stream = stream();
        backward.run(stream, DNNL_ARG_SRC, src, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, var, DNNL_ARG_DIFF_DST,
                diffDst, DNNL_ARG_SCALE, scale, DNNL_ARG_SHIFT, shift, DNNL_ARG_DIFF_SRC, diffSrc, DNNL_ARG_DIFF_SCALE,
                diffScale, DNNL_ARG_DIFF_SHIFT, diffShift);
        done(stream, x, dy, batchMean, batchVar, gamma, beta, dx, dGamma, dBeta, this);
    }
}
