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
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link NativeBatchNormalization} (BatchNorm, https://arxiv.org/abs/1502.03167): for 4-D input it
 * normalizes with ND4J's native {@code batchnorm} and backpropagates with {@code batchnorm_bp} (oneDNN's kernels in
 * an ND4J build with oneDNN), where DL4J's layer runs a dozen broadcast and reduction operations each way and
 * recomputes the normalization during backprop.
 *
 * <p>Training mode: {@code y = gamma * (x - m) / sqrt(v + eps) + beta} with the batch mean {@code m} and biased
 * variance {@code v} per channel (over batch, height and width); the running statistics' "gradients" are
 * {@code (1 - decay) * (running - batch)}, which DL4J's no-op updater subtracts, exactly as DL4J's layer does.
 * Inference: the running mean and variance. Shapes: {@code x, y [B, C, H, W]} (or NHWC), every parameter {@code C}
 * values. 2-D input, {@code useLogStd} and locked gamma/beta go to DL4J's implementation.
 */
public class NativeBatchNormalizationLayer extends BatchNormalization {
    /** Batch statistics of the last training-mode forward pass, for backprop. */
    private INDArray batchMean;
    private INDArray batchVar;
    /** Whether the last forward pass ran here (true) or in DL4J's implementation. */
    private boolean nativePass;

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

    private int[] reduceAxes() {
        return channelAxis() == 1 ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
    }

    private INDArray param(String key) {
        INDArray p = getParam(key);
        return p.reshape(p.length());
    }

    private static INDArray flat(INDArray view) {
        return view.reshape(view.length());
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
        INDArray mean;
        INDArray var;
        if (training) {
            int[] axes = reduceAxes();
            batchMean = x.mean(axes);
            batchVar = x.var(false, axes);
            mean = batchMean;
            var = batchVar;
        } else {
            mean = param(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            var = param(BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
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
        if (batchMean == null) {
            throw new IllegalStateException("layer " + layerId() + ": backprop needs a training-mode forward pass first");
        }
        org.deeplearning4j.nn.conf.layers.BatchNormalization c = cfg();
        INDArray x = input.castTo(dataType);
        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        INDArray dMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
        INDArray epsOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        long channels = batchMean.length();
        INDArray dBatchMean = Nd4j.createUninitialized(dataType, channels);
        INDArray dBatchVar = Nd4j.createUninitialized(dataType, channels);
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(x, batchMean, batchVar, param(BatchNormalizationParamInitializer.GAMMA),
                        param(BatchNormalizationParamInitializer.BETA), epsilon.castTo(dataType))
                .addOutputs(epsOut, dBatchMean, dBatchVar, flat(dGamma), flat(dBeta))
                .addIntegerArguments(1, 1, channelAxis())
                .addFloatingPointArguments(c.getEps())
                .build());
        // running statistics: DL4J's no-op updater subtracts these, giving decay * running + (1 - decay) * batch
        double rate = 1 - c.getDecay();
        flat(dMean).assign(param(BatchNormalizationParamInitializer.GLOBAL_MEAN).sub(batchMean).muli(rate));
        flat(dVar).assign(param(BatchNormalizationParamInitializer.GLOBAL_VAR).sub(batchVar).muli(rate));
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dVar);
        batchMean = null;
        batchVar = null;
        return new Pair<>(g, epsOut);
    }

    @Override
    public void clear() {
        super.clear();
        batchMean = null;
        batchVar = null;
    }
}
