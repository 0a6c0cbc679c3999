package org.reidspark.model.norm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of {@link MapLayerNorm}. Per sample, with {@code n = C h w}, {@code m} the mean, {@code s} the unbiased
 * standard deviation and {@code d = s + eps}: forward {@code y = (x - m) / d * gamma_c + beta_c}; backward, with
 * {@code g = dy * gamma_c}:
 * <pre>
 *   dx     = (g - mean(g)) / d - (x - m) * sum(g (x - m)) / (d^2 (n - 1) s)
 *   dgamma = sum over samples and positions of dy (x - m) / d,   dbeta = sum of dy
 * </pre>
 * Shapes: {@code [B, C, h, w]} in and out.
 */
public class MapLayerNormLayer extends BaseLayer<MapLayerNorm> {

    public MapLayerNormLayer(NeuralNetConfiguration conf, DataType dataType) {
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
    public boolean hasBias() {
        return false;
    }

    /** The centered input {@code x - m} {@code [B, C, h, w]}, its standard deviations {@code s} and {@code d = s + eps} {@code [B]}. */
    private record Stats(INDArray centered, INDArray std, INDArray d) {
    }

    private Stats stats() {
        if (input.rank() != 4 || input.size(1) != layerConf().getChannels()) {
            throw new IllegalArgumentException("MapLayerNorm " + layerConf().getLayerName() + " expects [B, " + layerConf().getChannels()
                    + ", h, w], got " + java.util.Arrays.toString(input.shape()));
        }
        INDArray x = input.castTo(dataType);
        long n = x.length() / x.size(0);
        if (n < 2) throw new IllegalArgumentException("MapLayerNorm needs at least 2 values per sample");
        INDArray mean = x.mean(1, 2, 3);                                            // [B]
        INDArray centered = Nd4j.createUninitialized(dataType, x.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x, mean, centered, 0));
        INDArray std = Transforms.sqrt(centered.mul(centered).sum(1, 2, 3).divi(n - 1), false);
        return new Stats(centered, std, std.add(layerConf().getEps()));
    }

    private INDArray perChannel(INDArray param) {
        return param.reshape(param.length());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        Stats st = stats();
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, input.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastDivOp(st.centered(), st.d(), y, 0));
        Nd4j.getExecutioner().exec(new BroadcastMulOp(y, perChannel(getParam(MapLayerNormParams.GAMMA)), y, 1));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(y, perChannel(getParam(MapLayerNormParams.BETA)), y, 1));
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Stats st = stats();
        INDArray dy = epsilon.castTo(dataType);
        long n = dy.length() / dy.size(0);
        INDArray gamma = perChannel(getParam(MapLayerNormParams.GAMMA));
        // parameters
        INDArray xhat = Nd4j.createUninitialized(dataType, dy.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastDivOp(st.centered(), st.d(), xhat, 0));
        INDArray dGamma = dy.mul(xhat).sum(0, 2, 3);
        INDArray dBeta = dy.sum(0, 2, 3);
        // input
        INDArray g = Nd4j.createUninitialized(dataType, dy.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(dy, gamma, g, 1));
        INDArray meanG = g.mean(1, 2, 3);                                                // [B]
        INDArray dot = g.mul(st.centered()).sum(1, 2, 3);                                // [B]
        INDArray coef = dot.div(st.d().mul(st.d()).muli(st.std()).muli(n - 1));         // [B]
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, dy.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastSubOp(g, meanG, dx, 0));
        Nd4j.getExecutioner().exec(new BroadcastDivOp(dx, st.d(), dx, 0));
        INDArray tail = Nd4j.createUninitialized(dataType, dy.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(st.centered(), coef, tail, 0));
        dx.subi(tail);

        Gradient gradient = new DefaultGradient();
        INDArray gGrad = gradientViews.get(MapLayerNormParams.GAMMA);
        gGrad.assign(dGamma.reshape(gGrad.shape()));
        gradient.setGradientFor(MapLayerNormParams.GAMMA, gGrad);
        INDArray bGrad = gradientViews.get(MapLayerNormParams.BETA);
        bGrad.assign(dBeta.reshape(bGrad.shape()));
        gradient.setGradientFor(MapLayerNormParams.BETA, bGrad);
        return new Pair<>(gradient, dx);
    }
}
