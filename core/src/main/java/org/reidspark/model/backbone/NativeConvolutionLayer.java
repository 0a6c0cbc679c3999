package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.common.primitives.Pair;
import org.reidspark.model.StepOutputs;

import java.util.Arrays;

/**
 * The layer of {@link NativeConvolution}: DL4J's {@link ConvolutionLayer} whose forward and backward passes are
 * single calls of ND4J's native {@code conv2d} and {@code conv2d_bp} operations (which an ND4J build with oneDNN
 * runs through oneDNN), where DL4J's own layer builds im2col matrices in Java-side buffers and repeats the forward
 * pass during backprop. Convolution as in ResNet (https://arxiv.org/abs/1512.03385).
 *
 * <p>Shapes: input {@code [B, C_in, H, W]} (NCHW) or {@code [B, H, W, C_in]} (NHWC), weights
 * {@code [C_out, C_in, kH, kW]}, bias {@code [C_out]} when configured; output {@code [B, C_out, H_out, W_out]}
 * (or NHWC). Backprop returns {@code dL/dW}, {@code dL/db} (written straight into the network's gradient view) and
 * {@code dL/dInput} of the input's shape. With an identity activation the backward pass does not recompute the
 * forward pass.
 *
 * <p>In float on ND4J's CPU backend (truncate or strict mode, no dilation) both passes call oneDNN's primitives
 * directly instead ({@link OneDnnConvolution}, a plan per input shape; {@code -Dreid.native.onednn=false} turns it
 * off): libnd4j's wrapper reorders every array in and out of oneDNN's layouts on each call. Double precision, which
 * the gradient checks use, always runs ND4J's ops; {@code OneDnnTest} checks the float path against them.
 */
public class NativeConvolutionLayer extends ConvolutionLayer implements StepOutputs.Holder {

    /** Outputs allocated in recorded training passes, freed when the step is done ({@link StepOutputs}). */
    private final transient StepOutputs.Kept kept = new StepOutputs.Kept();

    /** The oneDNN plans, by input shape. */
    private final transient OneDnn.Plans<OneDnnConvolution> plans = new OneDnn.Plans<>();
    /** Set while nothing reads the error this layer passes to its input (it reads a network input). */
    private transient boolean skipInputGradient;

    /**
     * While true, backprop on oneDNN's path skips the error to this layer's input (returning zeros): set by
     * {@code ExternalBackprop.backward} for the layers that read a network input, whose input gradient no one reads
     * there (the stem's is a tenth of a ResNet-18 step at 128x64); {@code backwardToInputs} keeps it.
     */
    public void skipInputGradient(boolean skip) {
        skipInputGradient = skip;
    }

    public NativeConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private org.deeplearning4j.nn.conf.layers.ConvolutionLayer cfg() {
        return (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) conf.getLayer();
    }

    /** conv2d's integer arguments for this layer and input. */
    private int[] intArgs(INDArray in) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = cfg();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] p = c.getPadding();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        boolean nchw = c.getCnn2dDataFormat() == CNN2DFormat.NCHW;
        if (same) p = new int[]{0, 0};
        return new int[]{k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], same ? 1 : 0, nchw ? 0 : 1, 1};
    }

    private INDArray checkedInput() {
        assertInputSet(false);
        if (input.rank() != 4) {
            throw new IllegalArgumentException("layer " + layerId() + " expects a rank-4 input " + cfg().getCnn2dDataFormat()
                    + ", got shape " + Arrays.toString(input.shape()));
        }
        int chDim = cfg().getCnn2dDataFormat() == CNN2DFormat.NCHW ? 1 : 3;
        if (input.size(chDim) != cfg().getNIn()) {
            throw new IllegalArgumentException("layer " + layerId() + " expects " + cfg().getNIn() + " input channels ("
                    + cfg().getCnn2dDataFormat() + "), got shape " + Arrays.toString(input.shape()));
        }
        return input.castTo(dataType);
    }

    private long[] outputShape(INDArray in) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = cfg();
        CNN2DFormat format = c.getCnn2dDataFormat();
        int[] hw = ConvolutionUtils.getOutputSize(in, c.getKernelSize(), c.getStride(), c.getPadding(),
                c.getConvolutionMode(), c.getDilation(), format);
        long b = in.size(0);
        long out = c.getNOut();
        return format == CNN2DFormat.NCHW ? new long[]{b, out, hw[0], hw[1]} : new long[]{b, hw[0], hw[1], out};
    }

    /**
     * The oneDNN plan for {@code in}'s shape, or null where this layer runs ND4J's ops: not float, oneDNN off
     * ({@link OneDnn#enabled()}), dilation, or a convolution mode other than truncate / strict.
     */
    private OneDnnConvolution plan(INDArray in) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = cfg();
        if (!OneDnn.takes(dataType, c.getDilation(), c.getConvolutionMode())) return null;
        int[] pad = c.getPadding();
        return plans.get(in.shape(), shape -> new OneDnnConvolution(shape, c.getNOut(), c.getKernelSize(), c.getStride(),
                pad, pad, c.getCnn2dDataFormat() == CNN2DFormat.NHWC, hasBias()));
    }

    /** Pre-activation output {@code z}, in {@code type}'s workspace. */
    private INDArray convolve(INDArray in, boolean training, ArrayType type, LayerWorkspaceMgr mgr) {
        INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, mgr);
        INDArray z = mgr.createUninitialized(type, dataType, outputShape(in), 'c');
        OneDnnConvolution plan = plan(in);
        if (plan != null) {
            INDArray b = hasBias() ? OneDnn.dense(getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, mgr)) : null;
            plan.forward(OneDnn.dense(in), OneDnn.dense(w), b, z);
            return z;
        }
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d").addIntegerArguments(intArgs(in));
        if (hasBias()) {
            INDArray b = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, mgr);
            op.addInputs(in, w, b.reshape(b.length()));
        } else {
            op.addInputs(in, w);
        }
        Nd4j.exec(op.addOutputs(z).build());
        return z;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (cacheMode == null) cacheMode = org.deeplearning4j.nn.conf.CacheMode.NONE;
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray in = checkedInput();
        INDArray z = convolve(in, training, ArrayType.ACTIVATIONS, workspaceMgr);
        if (training) kept.keep(z);
        return cfg().getActivationFn().getActivation(z, training);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray in = checkedInput();
        IActivation afn = cfg().getActivationFn();
        INDArray delta;
        if (afn instanceof ActivationIdentity) {
            delta = epsilon;
        } else {
            INDArray z = convolve(in, true, ArrayType.BP_WORKING_MEM, workspaceMgr);
            delta = afn.backprop(z, epsilon).getFirst();
        }
        INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray epsOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
        INDArray wGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        OneDnnConvolution plan = plan(in);
        if (plan != null) {
            INDArray bGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            if (skipInputGradient) epsOut.assign(0);
            plan.backward(OneDnn.dense(in), OneDnn.dense(w), OneDnn.dense(delta), skipInputGradient ? null : epsOut,
                    wGrad, bGrad);
            Gradient grad = new DefaultGradient();
            if (bGrad != null) grad.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, bGrad);
            grad.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, wGrad, 'c');
            weightNoiseParams.clear();
            return new Pair<>(grad, backpropDropOutIfPresent(epsOut));
        }
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp").addIntegerArguments(intArgs(in));
        Gradient grad = new DefaultGradient();
        INDArray bGrad = null;
        if (hasBias()) {
            INDArray b = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
            bGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            op.addInputs(in, w, b.reshape(b.length()), delta).addOutputs(epsOut, wGrad, bGrad.reshape(bGrad.length()));
        } else {
            op.addInputs(in, w, delta).addOutputs(epsOut, wGrad);
        }
        Nd4j.exec(op.build());
        if (bGrad != null) grad.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, bGrad);
        grad.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, wGrad, 'c');
        weightNoiseParams.clear();
        return new Pair<>(grad, backpropDropOutIfPresent(epsOut));
    }

    @Override
    public void releaseStepOutputs() {
        kept.release();
    }
}
