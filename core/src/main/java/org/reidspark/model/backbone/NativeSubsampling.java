package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A pooling layer configuration whose layer, {@link NativeSubsamplingLayer}, runs max pooling as oneDNN's primitives
 * called directly in float on ND4J's CPU backend (the maxima's positions kept for the backward pass), else as
 * libnd4j's own {@code maxpool2d} / {@code maxpool2d_bp} kernels instead of their oneDNN versions behind libnd4j's
 * wrapper, which DL4J's layer gets and which are 7x (forward) and 2.6x (backward) slower on NCHW activations. Same
 * configuration and serialized form apart from the class name as DL4J's {@link SubsamplingLayer}; ResNet's stem
 * pooling (https://arxiv.org/abs/1512.03385) is its use here.
 *
 * <p>Shapes: input {@code [B, C, H, W]} (or NHWC), output {@code [B, C, H_out, W_out]}; no parameters. Pooling types
 * other than max run DL4J's own code.
 */
public class NativeSubsampling extends SubsamplingLayer {

    /** For JSON deserialization. */
    public NativeSubsampling() {
        super();
    }

    /** The same configuration as {@code built} (a layer from DL4J's {@code SubsamplingLayer.Builder}). */
    public static NativeSubsampling of(SubsamplingLayer built) {
        NativeSubsampling n = new NativeSubsampling();
        n.setLayerName(built.getLayerName());
        n.setIDropout(built.getIDropout());
        n.setConstraints(built.getConstraints());
        n.setConvolutionMode(built.getConvolutionMode());
        n.setPoolingType(built.getPoolingType());
        n.setKernelSize(built.getKernelSize().clone());
        n.setStride(built.getStride().clone());
        n.setPadding(built.getPadding().clone());
        n.setDilation(built.getDilation().clone());
        n.setPnorm(built.getPnorm());
        n.setEps(built.getEps());
        n.setCudnnAllowFallback(built.isCudnnAllowFallback());
        n.setCnn2dDataFormat(built.getCnn2dDataFormat());
        n.setDefaultValueOverridden(built.isDefaultValueOverridden());
        n.setAvgPoolIncludePadInDivisor(built.isAvgPoolIncludePadInDivisor());
        return n;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new NativeSubsamplingLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
