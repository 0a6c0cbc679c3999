package org.reidspark.model.layer;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The vertex of {@link MaskedMapVertex}: {@code y = x * a} with the detached, normalized mask channel {@code a}. */
public class MaskedMapVertexImpl extends ParameterFreeVertex {
    private static final double MIN_SUM = 1e-12;
    private final int channel;
    private final String normalization;

    public MaskedMapVertexImpl(ComputationGraph graph, String name, int vertexIndex, int channel, String normalization,
                               DataType dataType) {
        super(graph, name, vertexIndex, dataType, "MaskedMapVertex");
        this.channel = channel;
        this.normalization = normalization;
    }

    /** The normalized mask channel {@code a} {@code [B, h, w]} of masks {@code m} {@code [B, n, h, w]}. */
    static INDArray weights(INDArray masks, int channel, String normalization) {
        INDArray a = masks.get(NDArrayIndex.all(), NDArrayIndex.point(channel), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
        switch (normalization) {
            case "height" -> {
                INDArray sums = Transforms.max(a.sum(1), MIN_SUM, false);          // [B, w]
                Nd4j.getExecutioner().exec(new BroadcastDivOp(a, sums, a, 0, 2));
            }
            case "all" -> {
                INDArray sums = Transforms.max(a.sum(1, 2), MIN_SUM, false);       // [B]
                Nd4j.getExecutioner().exec(new BroadcastDivOp(a, sums, a, 0));
            }
            case "none" -> {
            }
            default -> throw new IllegalStateException("unknown mask normalization " + normalization);
        }
        return a;
    }

    private INDArray weighted(INDArray x, INDArray a) {
        INDArray y = Nd4j.createUninitialized(dataType, x.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x.castTo(dataType), a.castTo(dataType), y, 0, 2, 3));
        return y;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) throw new IllegalStateException("MaskedMapVertex " + vertexName + ": inputs not set");
        INDArray a = weights(inputs[1], channel, normalization);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, weighted(inputs[0], a));
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) throw new IllegalStateException("MaskedMapVertex " + vertexName + ": errors not set");
        INDArray a = weights(inputs[1], channel, normalization);
        INDArray dx = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, weighted(epsilon, a));
        INDArray dm = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, Nd4j.zeros(dataType, inputs[1].shape()));
        return new Pair<>(null, new INDArray[] {dx, dm});
    }

    @Override
    public String toString() {
        return "MaskedMapVertex(name=" + vertexName + ", channel=" + channel + ", normalization=" + normalization + ")";
    }
}
