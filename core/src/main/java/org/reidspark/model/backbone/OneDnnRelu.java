package org.reidspark.model.backbone;

import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
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
 * ReLU's backward pass ({@code max(0, x)}; Nair and Hinton, ICML 2010,
 * https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf) as one oneDNN primitive called directly, for
 * {@link NativeReluLayer} in float on ND4J's CPU backend (see {@link OneDnn}): {@code dx = dy} where {@code x > 0},
 * else 0, in one pass over the three arrays, where ND4J's path writes the step function and then multiplies (two
 * passes, five array sweeps).
 *
 * <p>Shapes: {@code x, dy, dx} of any one shape of {@code n} values, dense float, read and written in place (taken as
 * {@code [n]}). {@code x} may be the ReLU's output instead of its input ({@code y > 0} exactly where {@code x > 0}).
 * A plan is for one length and is used by one thread at a time, as a layer is.
 */
final class OneDnnRelu {

    private final dnnl_memory src, diffDst, diffSrc;
    private final Op backward;
    private final List<Runnable> natives = new ArrayList<>();

    OneDnnRelu(long length) {
        requireEnabled();
        dnnl_memory_desc_t data = desc(new long[]{length}, dnnl_a);
        dnnl_eltwise_desc_t fd = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_forward_desc_init(fd, dnnl_forward_training, dnnl_eltwise_relu, data, 0f, 0f), "ReLU forward");
        dnnl_primitive_desc fpd = primitiveDesc(fd, null, natives);
        dnnl_eltwise_desc_t bd = new dnnl_eltwise_desc_t();
        check(dnnl_eltwise_backward_desc_init(bd, dnnl_eltwise_relu, data, data, 0f, 0f), "ReLU backward");
        dnnl_primitive_desc bpd = primitiveDesc(bd, fpd, natives);
        src = memory(data, natives);
        diffDst = memory(data, natives);
        diffSrc = memory(data, natives);
        backward = new Op(bpd, natives);
        destroyWhenUnreachable(this, natives);
    }

    /** {@code dx} (overwritten) {@code = dy} where {@code x > 0}, else 0. */
    void backward(INDArray x, INDArray dy, INDArray dx) {
        handle(src, x);
        handle(diffDst, dy);
        handle(diffSrc, dx);
        dnnl_stream stream = stream();
        backward.run(stream, DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc);
        done(stream, x, dy, dx, this);
    }
}
