package org.reidspark.model.layer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The part every parameter-free graph vertex of the project's own (the residual sum, AdaIN, the masked map, the
 * bilinear sampler) writes alike for DL4J: no layer, no parameter gradients (a view for them is refused), and the
 * first input's mask passed on. Subclasses compute the forward and backward passes.
 */
public abstract class ParameterFreeVertex extends BaseGraphVertex {
    /** The vertex's kind as its messages name it, e.g. {@code NativeAdd}. */
    private final String kind;

    protected ParameterFreeVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType, String kind) {
        super(graph, name, vertexIndex, null, null, dataType);
        this.kind = kind;
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException(kind + " " + vertexName + " has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
        return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
    }
}
