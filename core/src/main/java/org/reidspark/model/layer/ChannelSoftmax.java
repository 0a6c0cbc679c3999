package org.reidspark.model.layer;

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
 * Softmax over the channels of a feature map, at every position: the class probabilities of a per-pixel classifier
 * (DCR's part locator turns its {@code K + 1} maps, background and K parts, into part probabilities this way;
 * https://doi.org/10.1016/j.neucom.2024.128723). DL4J's softmax activation normalizes over the last dimension, not
 * the channels. The layer is {@link ChannelSoftmaxLayer}, with a hand-written backward pass.
 *
 * <p>Shapes (NCHW): input, output and errors {@code [B, n, h, w]}; {@code sum_c y[b, c, i, j] = 1}.
 */
public class ChannelSoftmax extends NoParamLayer {

    /** A channel softmax; also for JSON deserialization. */
    public ChannelSoftmax() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new ChannelSoftmaxLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("ChannelSoftmax " + getLayerName() + " needs a convolutional input [B, C, h, w], got " + inputType);
        }
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, ChannelSoftmax.class, inputType, inputType).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public ChannelSoftmax clone() {
        return (ChannelSoftmax) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelSoftmax && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 7;
    }
}
