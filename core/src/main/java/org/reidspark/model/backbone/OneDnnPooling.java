package org.reidspark.model.backbone;

import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.reidspark.model.backbone.OneDnn.*;

/**
 * 2-D max pooling (as in ResNet's stem, https://arxiv.org/abs/1512.03385) as oneDNN primitives called directly, for
 * {@link NativeSubsamplingLayer} in float on ND4J's CPU backend (see {@link OneDnn}): the forward pass records where
 * each output's maximum was in a workspace that the plan owns, and the backward pass sends each output's error
 * there, where libnd4j's {@code maxpool2d_bp} searches every window again (13 ms of a ResNet-18 step at 128x64,
 * batch 32; docs/performance.md, "Max pooling, BatchNorm's loops and ReLU").
 *
 * <p>Shapes: {@code x, dx [B, C, H, W]} or (nhwc) {@code [B, H, W, C]}, {@code y, dy [B, C, H_out, W_out]} (or nhwc)
 * with {@code H_out = (H + padBefore + padAfter - kH) / sH + 1}; dense float, read and written in place. Padding
 * never wins a maximum. A plan is for one input shape and is used by one thread at a time, as a layer is; its
 * workspace holds the last training forward pass's positions, which {@link #backward} reads.
 */
final class OneDnnPooling {

    private final dnnl_memory src, dst, diffDst, diffSrc, workspace;
    private final Op forward, backward;
    /** The positions' memory, owned by the plan (freed with its oneDNN objects). */
    private final BytePointer workspaceBuffer;
    private final List<Runnable> natives = new ArrayList<>();

    /**
     * @param shape  input shape
     * @param kernel {@code [kH, kW]}; stride {@code [sH, sW]}; padding {@code [pH, pW]} before, {@code padAfter} after
     */
    OneDnnPooling(long[] shape, int[] kernel, int[] stride, int[] padBefore, int[] padAfter, boolean nhwc) {
        requireEnabled();
        long b = shape[0], c = nhwc ? shape[3] : shape[1], h = nhwc ? shape[1] : shape[2], w = nhwc ? shape[2] : shape[3];
        long oh = (h + padBefore[0] + padAfter[0] - kernel[0]) / stride[0] + 1;
        long ow = (w + padBefore[1] + padAfter[1] - kernel[1]) / stride[1] + 1;
        int tag = nhwc ? dnnl_nhwc : dnnl_nchw;
        dnnl_memory_desc_t in = desc(new long[]{b, c, h, w}, tag), out = desc(new long[]{b, c, oh, ow}, tag);
        long[] s = {stride[0], stride[1]}, k = {kernel[0], kernel[1]};
        long[] pl = {padBefore[0], padBefore[1]}, pr = {padAfter[0], padAfter[1]};
        dnnl_pooling_desc_t fd = new dnnl_pooling_desc_t();
        check(dnnl_pooling_forward_desc_init(fd, dnnl_forward_training, dnnl_pooling_max, in, out, s, k, pl, pr),
                "max pooling forward");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null, natives);
        dnnl_pooling_desc_t bd = new dnnl_pooling_desc_t();
        check(dnnl_pooling_backward_desc_init(bd, dnnl_pooling_max, in, out, s, k, pl, pr), "max pooling backward");
        dnnl_primitive_desc bpd = primitiveDesc(bd, fpd, natives);
        dnnl_memory_desc_t ws = query(fpd, dnnl_query_workspace_md);
        long bytes = dnnl_memory_desc_get_size(ws);
        if (bytes == 0) throw new IllegalStateException("oneDNN max pooling has no workspace for its backward pass");
        BytePointer buffer = new BytePointer(bytes);
        natives.add(buffer::deallocate);
        workspaceBuffer = buffer;
        workspace = memory(ws, natives);
        handle(workspace, workspaceBuffer);
        src = memory(in, natives);
        diffSrc = memory(in, natives);
        dst = memory(out, natives);
        diffDst = memory(out, natives);
        forward = new Op(fpd, natives);
        backward = new Op(bpd, natives);
        destroyWhenUnreachable(this, natives);
    }

    /** {@code y = maxpool(x)}, each maximum's position kept for {@link #backward}. */
    void forward(INDArray x, INDArray y) {
        handle(src, x);
        handle(dst, y);
        dnnl_stream stream = stream();
        forward.run(stream, DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_WORKSPACE, workspace);
        done(stream, x, y, this);
    }

    /** {@code dx} (overwritten) from {@code dy}, through the positions of the last {@link #forward}. */
    void backward(INDArray dy, INDArray dx) {
        handle(diffDst, dy);
        handle(diffSrc, dx);
        dnnl_stream stream = stream();
        backward.run(stream, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc, DNNL_ARG_WORKSPACE, workspace);
        done(stream, dy, dx, this);
    }
}
