package org.reidspark.model.norm;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.layer.ParameterFreeVertex;

import java.util.Arrays;

/** The vertex of {@link AdaptiveInstanceNormVertex}: {@code y = xhat * w + b}, per sample and channel. */
public class AdaptiveInstanceNormVertexImpl extends ParameterFreeVertex {
    private final double eps;

    public AdaptiveInstanceNormVertexImpl(ComputationGraph graph, String name, int vertexIndex, double eps, DataType dataType) {
        super(graph, name, vertexIndex, dataType, "AdaptiveInstanceNormVertex");
        this.eps = eps;
    }

    private void checkShapes() {
        INDArray x = inputs[0];
        if (x.rank() != 4 || inputs[1].rank() != 2 || inputs[2].rank() != 2
                || !Arrays.equals(inputs[1].shape(), new long[]{x.size(0), x.size(1)})
                || !Arrays.equals(inputs[2].shape(), new long[]{x.size(0), x.size(1)})) {
            throw new IllegalArgumentException("AdaptiveInstanceNormVertex " + vertexName + " needs x [B, C, h, w], w and b [B, C]; got "
                    + Arrays.toString(x.shape()) + ", " + Arrays.toString(inputs[1].shape()) + ", " + Arrays.toString(inputs[2].shape()));
        }
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) throw new IllegalStateException("AdaptiveInstanceNormVertex " + vertexName + ": inputs not set");
        checkShapes();
        INDArray xhat = InstanceNorms.normalize(inputs[0].castTo(dataType), eps).xhat();
        Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, inputs[1].castTo(dataType), xhat, 0, 1));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(xhat, inputs[2].castTo(dataType), xhat, 0, 1));
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, xhat);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) throw new IllegalStateException("AdaptiveInstanceNormVertex " + vertexName + ": errors not set");
        checkShapes();
        InstanceNorms.Normalized n = InstanceNorms.normalize(inputs[0].castTo(dataType), eps);
        INDArray dy = epsilon.castTo(dataType);
        INDArray dw = dy.mul(n.xhat()).sum(2, 3);
        INDArray db = dy.sum(2, 3);
        INDArray dxhat = Nd4j.createUninitialized(dataType, dy.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(dy, inputs[1].castTo(dataType), dxhat, 0, 1));
        INDArray dx = InstanceNorms.backward(dxhat, n);
        return new Pair<>(null, new INDArray[]{workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dx),
                workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dw), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, db)});
    }

    @Override
    public String toString() {
        return "AdaptiveInstanceNormVertex(name=" + vertexName + ", eps=" + eps + ")";
    }
}
