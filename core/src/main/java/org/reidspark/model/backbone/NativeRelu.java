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
 * activations each way (backward through oneDNN in float, see {@link OneDnnRelu}), where DL4J's
 * {@link ActivationLayer} copies its input before applying the activation and backpropagates through libnd4j's slower
 * {@code relu_bp}. Same serialized form apart from the class name (and {@code inPlace}) as DL4J's ReLU
 * {@link ActivationLayer}.
 *
 * <p>In place ({@link #inPlace()}, as torchvision's {@code ReLU(inplace=True)}), the forward pass overwrites its input
 * instead of writing a new array: for graphs where nothing else reads that input (ResNet's ReLUs after a BatchNorm or
 * a residual sum), saving an activation's memory and its first touch; the backward pass then reads the output, which
 * is positive exactly where the input was.
 *
 * <p>Shapes: any; output and error of the input's shape.
 */
public class NativeRelu extends ActivationLayer {

    /** Whether the forward pass overwrites its input; absent from configurations saved before it (false). */
    private boolean inPlace;

    /** A ReLU; also for JSON deserialization. */
    public NativeRelu() {
        super(Activation.RELU);
    }

    /** A ReLU that overwrites its input, for graphs where nothing else reads that input. */
    public static NativeRelu inPlace() {
        NativeRelu r = new NativeRelu();
        r.inPlace = true;
        return r;
    }

    public boolean isInPlace() {
        return inPlace;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new NativeReluLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
