package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.FloatMemory;
import org.reidspark.model.StepOutputs;

/**
 * The layer of {@link NativeBatchNormalization} (BatchNorm, https://arxiv.org/abs/1502.03167): for 4-D input it
 * takes the batch statistics from ND4J's native {@code moments} (one pass, 2-3x faster than {@code mean} and
 * {@code var} along three axes, same values), normalizes with the native {@code batchnorm} (oneDNN's kernel in an ND4J
 * build with oneDNN), and backpropagates with {@link #backward}; DL4J's layer runs a dozen broadcast and reduction
 * operations each way and recomputes the normalization during backprop. In training, small float activations (up
 * to {@link BatchNormKernels#MAX_VALUES} values, NCHW) take {@link BatchNormKernels}' Java loops instead, the same
 * formulas without a native call; larger float activations on ND4J's CPU backend take oneDNN's BatchNorm primitives
 * called directly ({@link OneDnnBatchNorm}: one call each way).
 *
 * <p>Training mode: {@code y = gamma * (x - m) / sqrt(v + eps) + beta} with the batch mean {@code m} and biased
 * variance {@code v} per channel (over batch, height and width); the running statistics' "gradients" are
 * {@code (1 - decay) * (running - batch)}, which DL4J's no-op updater subtracts, exactly as DL4J's layer does.
 * Inference: the running mean and variance. Shapes: {@code x, y [B, C, H, W]} (or NHWC), every parameter {@code C}
 * values. 2-D input, {@code useLogStd} and locked gamma/beta go to DL4J's implementation.
 */
public class NativeBatchNormalizationLayer extends BatchNormalization implements StepOutputs.Holder {

    /** Outputs allocated in recorded training passes, freed when the step is done ({@link StepOutputs}). */
    private final transient StepOutputs.Kept kept = new StepOutputs.Kept();
    /** Batch statistics of the last training-mode forward pass, for backprop. */
    private INDArray batchMean;
    private INDArray batchVar;
    /** The same, when the forward pass ran {@link BatchNormKernels}' loops (then the fields above are null). */
    private float[] kernelMean;
    private float[] kernelVar;
    /** Whether the last forward pass ran here (true) or in DL4J's implementation. */
    private boolean nativePass;
    /** The oneDNN plans, by input shape. */
    private final transient OneDnn.Plans<OneDnnBatchNorm> plans = new OneDnn.Plans<>();

    public NativeBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private org.deeplearning4j.nn.conf.layers.BatchNormalization cfg() {
        return (org.deeplearning4j.nn.conf.layers.BatchNormalization) conf.getLayer();
    }

    private boolean runsNative(INDArray x) {
        org.deeplearning4j.nn.conf.layers.BatchNormalization c = cfg();
        return x.rank() == 4 && !c.isUseLogStd() && !c.isLockGammaBeta();
    }

    private int channelAxis() {
        return cfg().getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
    }

    private INDArray param(String key) {
        INDArray p = getParam(key);
        return p.reshape(p.length());
    }

    private static INDArray flat(INDArray view) {
        return view.reshape(view.length());
    }

    /**
     * The oneDNN plan for {@code x}'s shape (training passes in float beyond {@link BatchNormKernels}' size), or
     * null where ND4J's path runs: not float, or oneDNN off ({@link OneDnn#enabled()}).
     */
    private OneDnnBatchNorm plan(INDArray x) {
        if (dataType != DataType.FLOAT || !OneDnn.enabled()) return null;
        return plans.get(x.shape(), shape -> new OneDnnBatchNorm(shape, channelAxis() == 3, cfg().getEps()));
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!runsNative(input)) {
            nativePass = false;
            return super.activate(training, workspaceMgr);
        }
        nativePass = true;
        INDArray x = input.castTo(dataType);
        INDArray y = kept.newOutput(workspaceMgr, dataType, x.shape(), training);
        if (training && kernelsTake(x)) {
            int channels = (int) x.size(1);
            float[] mean = new float[channels];
            float[] var = new float[channels];
            BatchNormKernels.train(x, BatchNormKernels.values(getParam(BatchNormalizationParamInitializer.GAMMA)),
                    BatchNormKernels.values(getParam(BatchNormalizationParamInitializer.BETA)), cfg().getEps(),
                    y, mean, var);
            kernelMean = mean;
            kernelVar = var;
            batchMean = null;
            batchVar = null;
            return y;
        }
        INDArray mean;
        INDArray var;
        OneDnnBatchNorm plan = training ? plan(x) : null;
        if (plan != null) {
            long channels = x.size(channelAxis());
            batchMean = Nd4j.createUninitialized(DataType.FLOAT, channels);
            batchVar = Nd4j.createUninitialized(DataType.FLOAT, channels);
            kernelMean = null;
            kernelVar = null;
            plan.train(OneDnn.dense(x), OneDnn.dense(param(BatchNormalizationParamInitializer.GAMMA)),
                    OneDnn.dense(param(BatchNormalizationParamInitializer.BETA)), y, batchMean, batchVar);
            return y;
        }
        if (training) {
            INDArray[] moments = Nd4j.exec(DynamicCustomOp.builder("moments")
                    .addInputs(channelView(x))
                    .addIntegerArguments(0, 2)
                    .build());
            batchMean = moments[0];
            batchVar = moments[1];
            kernelMean = null;
            kernelVar = null;
            mean = batchMean;
            var = batchVar;
        } else {
            mean = param(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            var = param(BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, mean, var, param(BatchNormalizationParamInitializer.GAMMA),
                        param(BatchNormalizationParamInitializer.BETA))
                .addOutputs(y)
                .addIntegerArguments(1, 1, channelAxis())
                .addFloatingPointArguments(cfg().getEps())
                .build());
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!nativePass) return super.backpropGradient(epsilon, workspaceMgr);
        if (batchMean == null && kernelMean == null) {
            throw new IllegalStateException("layer " + layerId() + ": backprop needs a training-mode forward pass first");
        }
        org.deeplearning4j.nn.conf.layers.BatchNormalization c = cfg();
        INDArray x = input.castTo(dataType);
        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        INDArray dMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
        INDArray epsOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dy = epsilon.castTo(dataType);
        // running statistics: DL4J's no-op updater subtracts these, giving decay * running + (1 - decay) * batch
        double rate = 1 - c.getDecay();
        if (kernelMean != null && !FloatMemory.contiguous(dy)) dy = dy.dup('c');
        if (kernelMean != null && kernelsTake(x) && BatchNormKernels.applies(dy)) {
            int channels = kernelMean.length;
            float[] gradGamma = new float[channels];
            float[] gradBeta = new float[channels];
            BatchNormKernels.backward(x, dy, kernelMean, kernelVar,
                    BatchNormKernels.values(getParam(BatchNormalizationParamInitializer.GAMMA)), c.getEps(),
                    epsOut, gradGamma, gradBeta);
            float[] runningMean = BatchNormKernels.values(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
            float[] runningVar = BatchNormKernels.values(getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
            float[] stepMean = new float[channels];
            float[] stepVar = new float[channels];
            for (int i = 0; i < channels; i++) {
                stepMean[i] = (float) ((runningMean[i] - kernelMean[i]) * rate);
                stepVar[i] = (float) ((runningVar[i] - kernelVar[i]) * rate);
            }
            // the gradient views are [1, C] and contiguous: written as they are, no reshaped view
            BatchNormKernels.write(gradGamma, dGamma);
            BatchNormKernels.write(gradBeta, dBeta);
            BatchNormKernels.write(stepMean, dMean);
            BatchNormKernels.write(stepVar, dVar);
        } else {
            INDArray xv = channelView(x);
            INDArray dyv = channelView(dy);
            INDArray gamma = param(BatchNormalizationParamInitializer.GAMMA);
            if (kernelMean != null) {
                batchMean = Nd4j.createFromArray(kernelMean);
                batchVar = Nd4j.createFromArray(kernelVar);
            }
            OneDnnBatchNorm plan = plan(x);
            if (plan != null) {
                plan.backward(OneDnn.dense(x), OneDnn.dense(epsilon), batchMean, batchVar, OneDnn.dense(gamma),
                        OneDnn.dense(param(BatchNormalizationParamInitializer.BETA)), epsOut, flat(dGamma), flat(dBeta));
            } else {
                backward(xv, dyv, batchMean, batchVar, gamma, c.getEps(), channelView(epsOut), flat(dGamma), flat(dBeta));
            }
            flat(dMean).assign(param(BatchNormalizationParamInitializer.GLOBAL_MEAN).sub(batchMean).muli(rate));
            flat(dVar).assign(param(BatchNormalizationParamInitializer.GLOBAL_VAR).sub(batchVar).muli(rate));
        }
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dVar);
        batchMean = null;
        batchVar = null;
        kernelMean = null;
        kernelVar = null;
        return new Pair<>(g, epsOut);
    }

    /**
     * Whether {@link BatchNormKernels}' loops take {@code x} as it is (NCHW, contiguous in C order, small enough): the
     * training path of the main job's and ResNet's layers, which then creates no reshaped view per call (each is a
     * shape computation in ND4J's Java, about 14 per layer and step before; docs/performance.md).
     */
    private boolean kernelsTake(INDArray x) {
        return channelAxis() == 1 && BatchNormKernels.applies(x);
    }

    /**
     * {@code x} as {@code [outer, C, inner]}: {@code [B, C, H*W]} for NCHW, {@code [B*H*W, C, 1]} for NHWC (a view
     * of {@code x} when it is in C order, which the layers before it give).
     */
    private INDArray channelView(INDArray x) {
        long channels = x.size(channelAxis());
        long inner = channelAxis() == 1 ? x.size(2) * x.size(3) : 1;
        return x.reshape('c', x.length() / (channels * inner), channels, inner);
    }

    /**
     * BatchNorm's backward pass in training mode on {@code [outer, C, inner]} views, as seven passes of ND4J
     * operations over the activations (per-channel broadcasts and row reductions) and the per-channel arithmetic in
     * Java: libnd4j's {@code batchnorm_bp} runs oneDNN's kernel and then adds the terms of the batch mean and variance
     * in loops of its own, and takes up to 3x as long (docs/performance.md). With {@code N} values per channel,
     * {@code s = 1 / sqrt(var + eps)} and {@code xc = x - mean}: {@code dBeta = sum(dy)},
     * {@code dGamma = s * sum(dy * xc)}, and {@code dx = gamma * s * (dy - dBeta / N - xc * s * dGamma / N)},
     * computed in place in {@code dx} (no temporary the size of the activations).
     */
    static void backward(INDArray x, INDArray dy, INDArray mean, INDArray var, INDArray gamma, double eps,
                         INDArray dx, INDArray dGamma, INDArray dBeta) {
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        long inner = x.size(2);
        double n = (double) outer * inner;
        DataType type = x.dataType();
        Nd4j.exec(new SubOp(x, mean.reshape(1, channels, 1), dx));                      // dx = xc
        long rowCount = (long) outer * channels;
        INDArray dyRows = dy.reshape(rowCount, inner);
        INDArray rows = Nd4j.createUninitialized(type, rowCount);
        Nd4j.exec(new Sum(dyRows, rows, 1));
        double[] sumDy = sumOverOuter(rows.toDoubleVector(), outer, channels);
        Nd4j.exec(new Dot(dyRows, dx.reshape(rowCount, inner), rows, 1));
        double[] sumDyXc = sumOverOuter(rows.toDoubleVector(), outer, channels);
        rows.close();
        double[] v = var.toDoubleVector();
        double[] g = gamma.toDoubleVector();
        double[] gradGamma = new double[channels];
        double[] xcFactor = new double[channels];
        double[] shift = new double[channels];
        double[] scale = new double[channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt(v[c] + eps);
            gradGamma[c] = inv * sumDyXc[c];
            xcFactor[c] = -inv * inv * sumDyXc[c] / n;
            shift[c] = -sumDy[c] / n;
            scale[c] = g[c] * inv;
        }
        dBeta.assign(Nd4j.create(sumDy, dBeta.shape(), type));
        dGamma.assign(Nd4j.create(gradGamma, dGamma.shape(), type));
        long[] perChannel = {1, channels, 1};
        Nd4j.exec(new MulOp(dx, Nd4j.create(xcFactor, perChannel, type), dx));      // xc * (-s^2 sum(dy xc) / N)
        dx.addi(dy);                                                                     // + dy
        Nd4j.exec(new AddOp(dx, Nd4j.create(shift, perChannel, type), dx));         // - sum(dy) / N
        Nd4j.exec(new MulOp(dx, Nd4j.create(scale, perChannel, type), dx));         // * gamma * s
    }

    /** Per-channel sums of {@code [outer, C]} values. */
    private static double[] sumOverOuter(double[] values, int outer, int channels) {
        double[] sums = new double[channels];
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) sums[c] += values[o * channels + c];
        }
        return sums;
    }

    @Override
    public void clear() {
        super.clear();
        batchMean = null;
        batchVar = null;
        kernelMean = null;
        kernelVar = null;
    }

    @Override
    public void releaseStepOutputs() {
        kept.release();
    }
}
