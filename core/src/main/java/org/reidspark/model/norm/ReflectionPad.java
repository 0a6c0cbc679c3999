package org.reidspark.model.norm;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.backbone.LayerWiring;

import java.util.Collection;

/**
 * Reflection padding of a feature map by {@code p} on every side, as PyTorch's {@code nn.ReflectionPad2d(p)}: the
 * border is mirrored without repeating the edge ({@code x[-k] = x[k]}, {@code x[H-1+k] = x[H-1-k]}). DG-Net pads every
 * convolution of its generator and discriminator this way ({@code pad_type='reflect'}; Zheng et al., CVPR 2019,
 * https://arxiv.org/abs/1904.07223; official code github.com/NVlabs/DG-Net, {@code networks.py}, {@code Conv2dBlock});
 * DL4J pads with zeros only. Needs {@code p < h} and {@code p < w}. The layer is {@link ReflectionPadLayer}: forward a
 * gather of rows then columns, backward the same scatter summed.
 *
 * <p>Shapes (NCHW): input {@code [B, C, h, w]}, output {@code [B, C, h + 2p, w + 2p]}.
 */
public class ReflectionPad extends NoParamLayer {
    private int padding;

    /** For JSON deserialization. */
    public ReflectionPad() {
    }

    public ReflectionPad(int padding) {
        if (padding < 0) throw new IllegalArgumentException("reflection padding must be >= 0, got " + padding);
        this.padding = padding;
    }

    public int getPadding() {
        return padding;
    }

    public void setPadding(int padding) {
        this.padding = padding;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new ReflectionPadLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("ReflectionPad " + getLayerName() + " needs a convolutional input [B, C, h, w], got " + inputType);
        }
        if (padding >= c.getHeight() || padding >= c.getWidth()) {
            throw new IllegalArgumentException("ReflectionPad " + getLayerName() + ": padding " + padding + " needs a map larger than it, got "
                    + c.getHeight() + "x" + c.getWidth());
        }
        return InputType.convolutional(c.getHeight() + 2L * padding, c.getWidth() + 2L * padding, c.getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(layerName, ReflectionPad.class, inputType, out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public ReflectionPad clone() {
        return (ReflectionPad) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReflectionPad r && r.padding == padding && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + padding;
    }
}
