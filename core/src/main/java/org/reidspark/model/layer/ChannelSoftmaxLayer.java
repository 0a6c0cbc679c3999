package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of {@link ChannelSoftmax}: forward {@code y = exp(x - max_c x) / sum_c exp(x - max_c x)} over dimension 1;
 * backward {@code dx = y * (dy - sum_c dy y)}. Shapes: {@code [B, n, h, w]} in and out.
 */
public class ChannelSoftmaxLayer extends AbstractLayer<ChannelSoftmax> {

    public ChannelSoftmaxLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    /** Softmax over dimension 1 of {@code x} {@code [B, n, h, w]}, into a new array. */
    static INDArray softmax(INDArray x) {
        INDArray max = x.max(1);
        INDArray e = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x, max, e, 0, 2, 3));
        Transforms.exp(e, false);
        Nd4j.getExecutioner().exec(new BroadcastDivOp(e, e.sum(1), e, 0, 2, 3));
        return e;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 4) throw new IllegalArgumentException("ChannelSoftmax expects [B, n, h, w], got " + java.util.Arrays.toString(input.shape()));
        INDArray y = softmax(input.castTo(dataType));
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, y);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray y = softmax(input.castTo(dataType));
        INDArray dy = epsilon.castTo(dataType);
        INDArray dot = dy.mul(y).sum(1);
        INDArray dx = Nd4j.createUninitialized(dataType, y.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(dy, dot, dx, 0, 2, 3));
        dx.muli(y);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dx));
    }
}
