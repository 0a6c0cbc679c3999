package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A 2-D convolution layer configuration that runs on ND4J's native {@code conv2d} / {@code conv2d_bp} operations
 * instead of DL4J's Java im2col path: same parameters, same initialization, same serialized form apart from the
 * class name, so a network built with it trains and restores like one built with DL4J's {@link ConvolutionLayer}.
 * The layer itself is {@link NativeConvolutionLayer}. Convolution as in LeCun et al., "Gradient-based learning
 * applied to document recognition" (1998, http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf); used here for
 * ResNet (https://arxiv.org/abs/1512.03385).
 *
 * <p>Shapes (NCHW): input {@code [B, C_in, H, W]}, weights {@code W [C_out, C_in, kH, kW]}, optional bias
 * {@code b [C_out]}, output {@code [B, C_out, H_out, W_out]}. Modes {@code Truncate}, {@code Strict} and
 * {@code Same}; {@code Causal} is rejected.
 */
public class NativeConvolution extends ConvolutionLayer {

    /** For JSON deserialization. */
    public NativeConvolution() {
        super();
    }

    protected NativeConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("NativeConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
        if (getConvolutionMode() == ConvolutionMode.Causal) {
            throw new IllegalArgumentException("NativeConvolution " + getLayerName() + ": causal convolution is not supported");
        }
        return LayerWiring.wire(new NativeConvolutionLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /** DL4J's convolution builder whose {@link #build()} gives a {@link NativeConvolution}. */
    public static class Builder extends ConvolutionLayer.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        public NativeConvolution build() {
            ConvolutionUtils.validateConvolutionModePadding(convolutionMode, padding);
            ConvolutionUtils.validateCnnKernelStridePadding(kernelSize, stride, padding);
            if (convolutionMode == ConvolutionMode.Causal) {
                throw new IllegalArgumentException("NativeConvolution: causal convolution is not supported");
            }
            return new NativeConvolution(this);
        }
    }
}
