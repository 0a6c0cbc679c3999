package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A BatchNorm layer configuration (Ioffe and Szegedy, "Batch Normalization", ICML 2015,
 * https://arxiv.org/abs/1502.03167) whose layer, {@link NativeBatchNormalizationLayer}, normalizes 4-D activations
 * with ND4J's native {@code batchnorm} / {@code batchnorm_bp} operations instead of DL4J's chain of Java-side
 * broadcast operations. Same parameters ({@code gamma}, {@code beta}, running {@code mean} and {@code var}), same
 * running-average rule and same serialized form apart from the class name as DL4J's {@link BatchNormalization}.
 *
 * <p>Shapes: input and output {@code [B, C, H, W]} (NCHW) or {@code [B, H, W, C]}; parameters {@code [C]} each.
 * 2-D inputs, {@code useLogStd} and locked gamma/beta run DL4J's own code.
 */
public class NativeBatchNormalization extends BatchNormalization {

    /** For JSON deserialization. */
    public NativeBatchNormalization() {
        super();
    }

    /** The same configuration as {@code built} (a layer from DL4J's {@code BatchNormalization.Builder}). */
    public static NativeBatchNormalization of(BatchNormalization built) {
        NativeBatchNormalization n = new NativeBatchNormalization();
        n.setLayerName(built.getLayerName());
        n.setIDropout(built.getIDropout());
        n.setConstraints(built.getConstraints());
        n.setActivationFn(built.getActivationFn());
        n.setWeightInitFn(built.getWeightInitFn());
        n.setBiasInit(built.getBiasInit());
        n.setGainInit(built.getGainInit());
        n.setRegularization(built.getRegularization());
        n.setRegularizationBias(built.getRegularizationBias());
        n.setIUpdater(built.getIUpdater());
        n.setBiasUpdater(built.getBiasUpdater());
        n.setWeightNoise(built.getWeightNoise());
        n.setGradientNormalization(built.getGradientNormalization());
        n.setGradientNormalizationThreshold(built.getGradientNormalizationThreshold());
        n.setNIn(built.getNIn());
        n.setNOut(built.getNOut());
        n.setTimeDistributedFormat(built.getTimeDistributedFormat());
        n.setDecay(built.getDecay());
        n.setEps(built.getEps());
        n.setMinibatch(built.isMinibatch());
        n.setGamma(built.getGamma());
        n.setBeta(built.getBeta());
        n.setLockGammaBeta(built.isLockGammaBeta());
        n.setCudnnAllowFallback(built.isCudnnAllowFallback());
        n.setUseLogStd(built.isUseLogStd());
        n.setCnn2DFormat(built.getCnn2DFormat());
        return n;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet("NativeBatchNormalization", getLayerName(), layerIndex, getNOut());
        return LayerWiring.wire(new NativeBatchNormalizationLayer(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }
}
