package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A ReLU activation layer configuration ({@code max(0, x)}; Nair and Hinton, ICML 2010,
 * https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf) whose layer, {@link NativeReluLayer}, makes one pass over the
 * activations forward and two backward, where DL4J's {@link ActivationLayer} copies its input before applying the
 * activation and backpropagates through libnd4j's slower {@code relu_bp}. Same serialized form apart from the class
 * name as DL4J's ReLU {@link ActivationLayer}.
 *
 * <p>Shapes: any; output and error of the input's shape.
 */
public class NativeRelu extends ActivationLayer {

    /** A ReLU; also for JSON deserialization. */
    public NativeRelu() {
        super(Activation.RELU);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new NativeReluLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
