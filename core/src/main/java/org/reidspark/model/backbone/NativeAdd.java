package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.layer.ParameterFreeVertexConfiguration;

import java.util.Arrays;

/**
 * The sum of two activations of one shape, a residual connection's {@code y + shortcut} (He et al., "Deep Residual
 * Learning for Image Recognition", CVPR 2016, https://arxiv.org/abs/1512.03385), as DL4J's
 * {@code ElementWiseVertex(Add)} computes it, in one native pass (DL4J's vertex copies the first input, then adds the
 * second), with the output freed when the training step is done ({@link org.reidspark.model.StepOutputs}). The
 * vertex is {@link NativeAddVertex}.
 *
 * <p>In place ({@link #inPlace()}), the forward pass adds the second input into the first instead of writing a new
 * array, for graphs where nothing else reads the first input (ResNet's residual sums, whose first input is the
 * block's last BatchNorm output): no activation's memory allocated, as torchvision's {@code out += identity}.
 *
 * <p>Shapes: two inputs of one shape, any rank; output and both errors of that shape.
 */
public class NativeAdd extends ParameterFreeVertexConfiguration {

    private boolean inPlace;

    /** A sum into a new array; also for JSON deserialization. */
    public NativeAdd() {
    }

    /** A sum into the first input, for graphs where nothing else reads that input. */
    public static NativeAdd inPlace() {
        NativeAdd a = new NativeAdd();
        a.inPlace = true;
        return a;
    }

    public boolean isInPlace() {
        return inPlace;
    }

    public void setInPlace(boolean inPlace) {
        this.inPlace = inPlace;
    }

    @Override
    public NativeAdd clone() {
        NativeAdd a = new NativeAdd();
        a.inPlace = inPlace;
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NativeAdd a && a.inPlace == inPlace;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(inPlace) + 31 * NativeAdd.class.hashCode();
    }

    @Override
    protected int inputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new NativeAddVertex(graph, name, idx, inPlace, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2 || !Arrays.equals(vertexInputs[0].getShape(false), vertexInputs[1].getShape(false))) {
            throw new InvalidInputTypeException("NativeAdd sums two inputs of one shape, got " + Arrays.toString(vertexInputs));
        }
        return vertexInputs[0];
    }
}
