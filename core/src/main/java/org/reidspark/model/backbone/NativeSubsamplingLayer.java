package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.StepOutputs;

/**
 * The layer of {@link NativeSubsampling}: max pooling in float on ND4J's CPU backend (truncate or strict mode, no
 * dilation) as oneDNN's primitives called directly ({@link OneDnnPooling}, a plan per input shape; the forward pass
 * records the maxima's positions, which the backward pass reads when it backpropagates the input that pass pooled);
 * else one call of libnd4j's {@code maxpool2d} forward and {@code maxpool2d_bp} backward, with oneDNN's versions of
 * those kernels switched off for the call (per operation, through its {@link OpContext}; every other operation keeps
 * oneDNN, and on ND4J's CUDA backend cuDNN stays on). Measured on a {@code [32, 64, 64, 32]} float tensor, 3x3
 * stride 2 padding 1: libnd4j's kernels 4.9 ms against 34.7 ms forward and 19.0 ms against 49.9 ms backward for
 * libnd4j's oneDNN path; oneDNN called directly 3.2 ms forward and 8.8 ms backward (docs/performance.md).
 *
 * <p>Shapes: input {@code [B, C, H, W]} (or {@code [B, H, W, C]}), output {@code [B, C, H_out, W_out]}; backprop
 * gives {@code dL/dInput} of the input's shape (each output's error goes to the position of its maximum). Other
 * pooling types, other ranks and layers with dropout run DL4J's code.
 */
public class NativeSubsamplingLayer extends SubsamplingLayer implements StepOutputs.Holder {

    /** Outputs allocated in recorded training passes, freed when the step is done ({@link StepOutputs}). */
    private final transient StepOutputs.Kept kept = new StepOutputs.Kept();

    /** The oneDNN plans, by input shape. */
    private final transient OneDnn.Plans<OneDnnPooling> plans = new OneDnn.Plans<>();
    /** The input the last forward pass pooled on oneDNN's path (its plan's workspace holds the positions), or null. */
    private transient INDArray pooled;

    public NativeSubsamplingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private org.deeplearning4j.nn.conf.layers.SubsamplingLayer cfg() {
        return (org.deeplearning4j.nn.conf.layers.SubsamplingLayer) conf.getLayer();
    }

    private boolean runsNative(INDArray in) {
        return in.rank() == 4 && cfg().getPoolingType() == PoolingType.MAX && cfg().getIDropout() == null;
    }

    /** maxpool2d's integer arguments: kernel, stride, padding, dilation, same mode, (unused), NHWC. */
    private long[] intArgs() {
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = cfg();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        if (same) p = new int[]{0, 0};
        return new long[]{k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], same ? 1 : 0, 0,
                c.getCnn2dDataFormat() == CNN2DFormat.NHWC ? 1 : 0};
    }

    private long[] outputShape(INDArray in) {
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = cfg();
        CNN2DFormat format = c.getCnn2dDataFormat();
        int[] hw = ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(), c.getPadding(),
                c.getConvolutionMode(), c.getDilation(), format);
        return format == CNN2DFormat.NCHW ? new long[]{in.size(0), in.size(1), hw[0], hw[1]}
                : new long[]{in.size(0), hw[0], hw[1], in.size(3)};
    }

    /**
     * The oneDNN plan for {@code in}'s shape, or null where this layer runs libnd4j's kernels: not float, oneDNN off
     * ({@link OneDnn#enabled()}), dilation, or a convolution mode other than truncate / strict.
     */
    private OneDnnPooling plan(INDArray in) {
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = cfg();
        if (!OneDnn.takes(dataType, c.getDilation(), c.getConvolutionMode())) return null;
        int[] pad = c.getPadding();
        return plans.get(in.shape(), shape -> new OneDnnPooling(shape, c.getKernelSize(), c.getStride(), pad, pad,
                c.getCnn2dDataFormat() == CNN2DFormat.NHWC));
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!runsNative(input)) return super.activate(training, workspaceMgr);
        INDArray in = input.castTo(dataType);
        INDArray out = kept.newOutput(workspaceMgr, dataType, outputShape(in), training);
        OneDnnPooling plan = plan(in);
        pooled = plan == null ? null : input;
        if (plan != null) {
            plan.forward(OneDnn.dense(in), out);
        } else {
            execWithoutOneDnn("maxpool2d", new INDArray[]{in}, out, intArgs());
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!runsNative(input)) return super.backpropGradient(epsilon, workspaceMgr);
        INDArray in = input.castTo(dataType);
        INDArray epsOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
        // oneDNN's positions belong to the last forward pass: used only when that pass pooled this very input (then
        // the plan for its shape is the one that pooled it, the latest made or used)
        if (pooled != null && pooled == input) {
            plan(in).backward(OneDnn.dense(epsilon.castTo(dataType)), epsOut);
        } else {
            execWithoutOneDnn("maxpool2d_bp", new INDArray[]{in, epsilon.castTo(dataType)}, epsOut, intArgs());
        }
        return new Pair<>(new DefaultGradient(), epsOut);
    }

    @Override
    public void clear() {
        super.clear();
        pooled = null;
    }

    /**
     * Runs custom operation {@code name} with libnd4j's own kernel on the CPU backend: platform helpers (oneDNN) off
     * for this call only. On the CUDA backend helpers (cuDNN) stay on.
     */
    private static void execWithoutOneDnn(String name, INDArray[] inputs, INDArray output, long[] intArgs) {
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        try {
            ctx.allowHelpers(!Nd4j.getEnvironment().isCPU());
            ctx.setInputArrays(inputs);
            ctx.setOutputArrays(output);
            ctx.setIArguments(intArgs);
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder(name).build(), ctx);
        } finally {
            try {
                ctx.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot release the context of " + name, e);
            }
        }
    }

    @Override
    public void releaseStepOutputs() {
        kept.release();
    }
}
