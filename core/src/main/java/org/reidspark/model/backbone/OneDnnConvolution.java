package org.reidspark.model.backbone;

import org.bytedeco.dnnl.dnnl_convolution_desc_t;
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
 * A 2-D convolution's forward and backward passes as oneDNN primitives called directly (oneDNN 2.5 through
 * JavaCPP's {@code org.bytedeco:dnnl} presets), for {@link NativeConvolutionLayer} in float on ND4J's CPU backend.
 * Convolution as in ResNet (https://arxiv.org/abs/1512.03385).
 *
 * <p>Why: ND4J's {@code conv2d} / {@code conv2d_bp} reach the same library through libnd4j's wrapper, which
 * reorders every input and output between the caller's layout and oneDNN's blocked layouts on each call; measured
 * on ResNet-50's 22 convolution shapes, a training step's convolutions took 1.85 s that way against 1.06-1.20 s
 * called directly (docs/performance.md, "Training: oneDNN's convolutions and BatchNorm called directly"). A plan is
 * built once per input shape: the three primitives (forward, backward data, backward weights) with the layouts
 * oneDNN chose, and reorders only where a chosen layout differs from the caller's.
 *
 * <p>Layouts: activations stay in the layer's own layout where oneDNN has fast kernels for it: channels-last
 * ({@code [B, H, W, C]}) always, channels-first ({@code [B, C, H, W]}) for 1x1 kernels; channels-first with larger
 * kernels runs in oneDNN's blocked layout, reordered in and out within the call. Weights are DL4J's
 * {@code [C_out, C_in, kH, kW]} ({@code oihw}), reordered into the primitives' layouts at each call (they change at
 * every step); the weight gradient is reordered back into the network's gradient view. Bias {@code [C_out]} optional.
 *
 * <p>Arrays are read and written in place through their native addresses (kept reachable until the primitives are
 * done: a copy referenced only by the call would otherwise be freed under them), so every array passed must be
 * float, dense and in C order (the layer's arrays are; {@link OneDnn#dense} copies any other). Reordered
 * intermediates and oneDNN's own scratchpads live in per-thread scratch buffers shared by all plans of that thread.
 * A plan is used by one thread at a time, as a layer is.
 */
final class OneDnnConvolution {

    /**
     * The scratch slots, shared where lifetimes do not overlap: the forward pass holds its input, output and weights;
     * the backward pass holds the output's gradient throughout, the weights and the input's gradient until the latter
     * is written out, then the input (in the input gradient's slot), a second copy of the output's gradient where
     * backward-weights wants another layout, and the weight gradient.
     */
    private static final int SRC = 0, DST = 1, WEIGHTS = 2, DIFF_DST = 0, DIFF_SRC = 1, BW_SRC = 1, BW_DIFF_DST = 3,
            DIFF_WEIGHTS = 2;

    private final boolean hasBias;
    private final Reorderable src, dst, diffDst, diffSrc, bwSrc, bwDiffDst;
    private final Reorderable weights, bdWeights, diffWeights;
    private final dnnl_memory bias, diffBias;
    private final Op forward, backwardData, backwardWeights;
    /** Whether backward-weights takes the output's gradient in backward-data's layout (then reordered once). */
    private final boolean bwReusesDiffDst;
    /** What destroys this plan's oneDNN objects once the plan is unreachable ({@link OneDnn#destroyWhenUnreachable}). */
    private final List<Runnable> natives = new ArrayList<>();

    /**
     * A plan for one input shape.
     *
     * @param inShape input shape, {@code [B, C_in, H, W]} or (nhwc) {@code [B, H, W, C_in]}
     * @param outChannels {@code C_out}
     * @param kernel {@code [kH, kW]}; stride, padding {@code [top/left...]}: {@code [sH, sW]}, {@code [pH, pW]} before,
     *               {@code padAfter} after
     */
    OneDnnConvolution(long[] inShape, long outChannels, int[] kernel, int[] stride, int[] padBefore, int[] padAfter,
                      boolean nhwc, boolean hasBias) {
        OneDnn.requireEnabled();
        this.hasBias = hasBias;
        long b = inShape[0], c = nhwc ? inShape[3] : inShape[1], h = nhwc ? inShape[1] : inShape[2], w = nhwc ? inShape[2] : inShape[3];
        long oh = (h + padBefore[0] + padAfter[0] - kernel[0]) / stride[0] + 1;
        long ow = (w + padBefore[1] + padAfter[1] - kernel[1]) / stride[1] + 1;
        long[] srcDims = {b, c, h, w}, wDims = {outChannels, c, kernel[0], kernel[1]}, dstDims = {b, outChannels, oh, ow};
        int userTag = nhwc ? dnnl_nhwc : dnnl_nchw;
        boolean plain = nhwc || (kernel[0] == 1 && kernel[1] == 1);
        int actTag = plain ? userTag : dnnl_format_tag_any;
        dnnl_memory_desc_t srcAny = desc(srcDims, actTag), dstAny = desc(dstDims, actTag);
        dnnl_memory_desc_t wAny = desc(wDims, dnnl_format_tag_any), biasDesc = hasBias ? desc(new long[]{outChannels}, dnnl_a) : null;
        dnnl_memory_desc_t userSrc = desc(srcDims, userTag), userDst = desc(dstDims, userTag), userW = desc(wDims, dnnl_oihw);
        long[] s = {stride[0], stride[1]}, pl = {padBefore[0], padBefore[1]}, pr = {padAfter[0], padAfter[1]};

        dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
        check(dnnl_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct, srcAny, wAny, biasDesc,
                dstAny, s, pl, pr), "forward descriptor");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null, natives);
        dnnl_convolution_desc_t bdd = new dnnl_convolution_desc_t();
        check(dnnl_convolution_backward_data_desc_init(bdd, dnnl_convolution_direct, srcAny, wAny, dstAny, s, pl, pr),
                "backward-data descriptor");
        dnnl_primitive_desc bdpd = primitiveDesc(bdd, fpd, natives);
        dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
        check(dnnl_convolution_backward_weights_desc_init(bwd, dnnl_convolution_direct, srcAny, wAny, biasDesc, dstAny, s, pl, pr),
                "backward-weights descriptor");
        dnnl_primitive_desc bwpd = primitiveDesc(bwd, fpd, natives);

        src = new Reorderable(userSrc, query(fpd, dnnl_query_src_md), SRC, true, natives);
        dst = new Reorderable(userDst, query(fpd, dnnl_query_dst_md), DST, false, natives);
        weights = new Reorderable(userW, query(fpd, dnnl_query_weights_md), WEIGHTS, true, natives);
        diffDst = new Reorderable(userDst, query(bdpd, dnnl_query_diff_dst_md), DIFF_DST, true, natives);
        bdWeights = new Reorderable(userW, query(bdpd, dnnl_query_weights_md), WEIGHTS, true, natives);
        diffSrc = new Reorderable(userSrc, query(bdpd, dnnl_query_diff_src_md), DIFF_SRC, false, natives);
        bwSrc = new Reorderable(userSrc, query(bwpd, dnnl_query_src_md), BW_SRC, true, natives);
        bwDiffDst = new Reorderable(userDst, query(bwpd, dnnl_query_diff_dst_md), BW_DIFF_DST, true, natives);
        diffWeights = new Reorderable(userW, query(bwpd, dnnl_query_diff_weights_md), DIFF_WEIGHTS, false, natives);
        bwReusesDiffDst = dnnl_memory_desc_equal(bwDiffDst.chosen, diffDst.chosen) == 1;
        bias = hasBias ? memory(biasDesc, natives) : null;
        diffBias = hasBias ? memory(query(bwpd, dnnl_query_diff_weights_md, 1), natives) : null;
        forward = new Op(fpd, natives);
        backwardData = new Op(bdpd, natives);
        backwardWeights = new Op(bwpd, natives);
        OneDnn.destroyWhenUnreachable(this, natives);
    }

    /** {@code out = conv(in, w) + b}; {@code b} null without bias. All arrays dense float C order. */
    void forward(INDArray in, INDArray w, INDArray b, INDArray out) {
        Scratch scratch = OneDnn.scratch();
        dnnl_stream stream = OneDnn.stream();
        dnnl_memory s = src.in(in, scratch, stream);
        dnnl_memory wt = weights.in(w, scratch, stream);
        dnnl_memory d = dst.out(out, scratch);
        if (hasBias) {
            handle(bias, b);
            forward.run(stream, DNNL_ARG_SRC, s, DNNL_ARG_WEIGHTS, wt, DNNL_ARG_BIAS, bias, DNNL_ARG_DST, d);
        } else {
            forward.run(stream, DNNL_ARG_SRC, s, DNNL_ARG_WEIGHTS, wt, DNNL_ARG_DST, d);
        }
        dst.finish(out, stream);
        done(stream, in, w, b, out, this);
    }

    /**
     * The input gradient {@code epsOut} (skipped when null), the weight gradient {@code wGrad} and (with bias)
     * {@code bGrad}, from the output gradient {@code delta}; all overwritten. All arrays dense float C order.
     */
    void backward(INDArray in, INDArray w, INDArray delta, INDArray epsOut, INDArray wGrad, INDArray bGrad) {
        Scratch scratch = OneDnn.scratch();
        dnnl_stream stream = OneDnn.stream();
        dnnl_memory dd = diffDst.in(delta, scratch, stream);
        if (epsOut != null) {
            dnnl_memory wt = bdWeights.in(w, scratch, stream);
            dnnl_memory ds = diffSrc.out(epsOut, scratch);
            backwardData.run(stream, DNNL_ARG_DIFF_DST, dd, DNNL_ARG_WEIGHTS, wt, DNNL_ARG_DIFF_SRC, ds);
            diffSrc.finish(epsOut, stream);
        }
        dnnl_memory s = bwSrc.in(in, scratch, stream);
        dnnl_memory dd2 = bwReusesDiffDst ? dd : bwDiffDst.in(delta, scratch, stream);
        dnnl_memory dw = diffWeights.out(wGrad, scratch);
        if (hasBias) {
            handle(diffBias, bGrad);
            backwardWeights.run(stream, DNNL_ARG_SRC, s, DNNL_ARG_DIFF_DST, dd2, DNNL_ARG_DIFF_WEIGHTS, dw,
                    DNNL_ARG_DIFF_BIAS, diffBias);
        } else {
            backwardWeights.run(stream, DNNL_ARG_SRC, s, DNNL_ARG_DIFF_DST, dd2, DNNL_ARG_DIFF_WEIGHTS, dw);
        }
        diffWeights.finish(wGrad, stream);
        done(stream, in, w, delta, epsOut, wGrad, bGrad, this);
    }

    /**
     * One argument of a primitive in the caller's layout ({@code user}) and the primitive's ({@code chosen}): the
     * caller's array itself when they agree, else a reorder through a scratch slot (into the primitive for an input,
     * out of it for an output).
     */
    private static final class Reorderable {
        final dnnl_memory_desc_t chosen;
        final boolean same;
        final dnnl_memory user, blocked;
        final Op reorder;
        final int slot;
        final long bytes;

        Reorderable(dnnl_memory_desc_t userDesc, dnnl_memory_desc_t chosen, int slot, boolean input, List<Runnable> natives) {
            this.chosen = chosen;
            this.slot = slot;
            this.same = dnnl_memory_desc_equal(userDesc, chosen) == 1;
            this.user = memory(userDesc, natives);
            if (same) {
                blocked = null;
                reorder = null;
                bytes = 0;
            } else {
                blocked = memory(chosen, natives);
                bytes = dnnl_memory_desc_get_size(chosen);
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                check(input ? dnnl_reorder_primitive_desc_create(pd, userDesc, OneDnn.engine, chosen, OneDnn.engine, OneDnn.attributes())
                        : dnnl_reorder_primitive_desc_create(pd, chosen, OneDnn.engine, userDesc, OneDnn.engine, OneDnn.attributes()), "reorder");
                natives.add(() -> dnnl_primitive_desc_destroy(pd));
                reorder = new Op(pd, natives);
            }
        }

        /** The primitive's memory holding {@code a} (an input). */
        dnnl_memory in(INDArray a, Scratch scratch, dnnl_stream stream) {
            handle(user, a);
            if (same) return user;
            handle(blocked, scratch.get(slot, bytes));
            reorder.run(stream, DNNL_ARG_FROM, user, DNNL_ARG_TO, blocked);
            return blocked;
        }

        /** The memory a primitive writes the output {@code a} into; {@link #finish} then brings it to {@code a}. */
        dnnl_memory out(INDArray a, Scratch scratch) {
            if (same) {
                handle(user, a);
                return user;
            }
            handle(blocked, scratch.get(slot, bytes));
            return blocked;
        }

        void finish(INDArray a, dnnl_stream stream) {
            if (same) return;
            handle(user, a);
            reorder.run(stream, DNNL_ARG_FROM, blocked, DNNL_ARG_TO, user);
        }
    }
}
