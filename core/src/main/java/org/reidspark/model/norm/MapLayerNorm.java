package org.reidspark.model.norm;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.backbone.LayerWiring;

import java.util.Collection;
import java.util.Objects;

/**
 * The layer normalization of DG-Net's decoder (Zheng et al., CVPR 2019, https://arxiv.org/abs/1904.07223; official
 * code github.com/NVlabs/DG-Net, {@code networks.py}, class {@code LayerNorm}, the {@code 'ln'} norm of the upsampling
 * blocks): per sample, over all {@code C x h x w} values, the mean and the <em>unbiased</em> standard deviation, then
 * {@code y = (x - mean) / (std + eps) * gamma_c + beta_c} (std + eps, not sqrt(var + eps), as the official code), with
 * per-channel {@code gamma} initialised uniform in [0, 1) and {@code beta} 0 (parameters {@link MapLayerNormParams}).
 * DL4J's layer normalization is not this. The layer is {@link MapLayerNormLayer}, with a hand-written backward pass.
 *
 * <p>Shapes (NCHW): input, output and errors {@code [B, C, h, w]}; {@code gamma}, {@code beta} {@code [1, C]}.
 */
public class MapLayerNorm extends BaseLayer {
    private long channels;
    private double eps = 1e-5;

    /** For JSON deserialization. */
    public MapLayerNorm() {
    }

    private MapLayerNorm(Builder b) {
        super(b);
        this.channels = b.channels;
        this.eps = b.eps;
        if (!(eps > 0)) throw new IllegalArgumentException("MapLayerNorm's eps must be > 0, got " + eps);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        if (channels < 1) throw new IllegalStateException("MapLayerNorm " + getLayerName() + ": channels not set");
        return LayerWiring.wire(new MapLayerNormLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return MapLayerNormParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return convolutional(inputType);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (channels <= 0 || override) channels = convolutional(inputType).getChannels();
    }

    private InputType.InputTypeConvolutional convolutional(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("MapLayerNorm " + getLayerName() + " needs a convolutional input [B, C, h, w], got " + inputType);
        }
        return c;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, MapLayerNorm.class, inputType, inputType)
                .standardMemory(initializer().numParams(this), 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    @Override
    public MapLayerNorm clone() {
        return (MapLayerNorm) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapLayerNorm n && super.equals(o) && channels == n.channels && eps == n.eps;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), channels, eps);
    }

    /** Builds a {@link MapLayerNorm}; the channels are set from the graph's input type. */
    public static class Builder extends BaseLayer.Builder<Builder> {
        private long channels;
        private double eps = 1e-5;

        public Builder channels(long channels) {
            this.channels = channels;
            return this;
        }

        /** Added to the standard deviation (1e-5 in the official code). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public MapLayerNorm build() {
            return new MapLayerNorm(this);
        }
    }
}
