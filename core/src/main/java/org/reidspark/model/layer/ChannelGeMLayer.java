package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of {@link ChannelGeM}: forward {@code y_k = (sum_c u_kc^p)^(1/p)} with {@code u_kc = max(x_c, eps) s_kc}
 * ({@code s = sigmoid(W)}, or 1 ungated), one map at a time over a {@code [B, C, h*w]} view of the input. Backward,
 * with {@code z_k = sum_c u_kc^p} and error {@code e_k = dL/dy_k}:
 * <pre>
 *   dL/du_kc = e_k y_k / z_k * u_kc^(p-1)
 *   dL/dx_c  = sum_k dL/du_kc s_kc        where x_c >= eps (0 below: the floor's gradient)
 *   dL/dW_kc = sum_{b,pos} dL/du_kc x'_c * s_kc (1 - s_kc)
 *   dL/dp    = sum_{k,b,pos} e_k y_k ( -ln(z_k) / p^2 + sum_c u_kc^p ln(u_kc) / (p z_k) )
 * </pre>
 * Shapes: input {@code [B, C, h, w]}, output and output error {@code [B, n, h, w]}.
 */
public class ChannelGeMLayer extends BaseLayer<ChannelGeM> {

    public ChannelGeMLayer(NeuralNetConfiguration conf, DataType dataType) {
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

    private void checkInput() {
        if (input.rank() != 4 || input.size(1) != layerConf().getNIn()) {
            throw new IllegalArgumentException("ChannelGeM " + layerConf().getLayerName() + " expects [B, " + layerConf().getNIn()
                    + ", h, w], got " + java.util.Arrays.toString(input.shape()));
        }
    }

    /** The input as {@code [B, C, h*w]}, floored at eps (a copy), and the gates {@code [n, C]} (null ungated). */
    private INDArray floored() {
        INDArray x = input.castTo(dataType).dup('c');
        return Transforms.max(x.reshape('c', x.size(0), x.size(1), x.size(2) * x.size(3)), layerConf().getEps(), false);
    }

    private INDArray gates() {
        return layerConf().isGated() ? Transforms.sigmoid(getParam(ChannelGeMParams.W), true) : null;
    }

    /** {@code u_k = x' s_k} broadcast over the channel dimension ({@code x'} itself ungated; not to be changed). */
    private static INDArray gated(INDArray xc, INDArray s, int k) {
        if (s == null) return xc;
        INDArray u = Nd4j.createUninitialized(xc.dataType(), xc.shape(), 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(xc, s.getRow(k).dup(), u, 1));
        return u;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        checkInput();
        INDArray xc = floored();
        INDArray s = gates();
        double p = getParam(ChannelGeMParams.P).getDouble(0);
        long b = input.size(0);
        long h = input.size(2);
        long w = input.size(3);
        int n = layerConf().getNOut();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {b, n, h, w}, 'c');
        INDArray out3 = out.reshape('c', b, n, h * w);
        for (int k = 0; k < n; k++) {
            INDArray z = Transforms.pow(gated(xc, s, k), p, true).sum(1);
            out3.get(NDArrayIndex.all(), NDArrayIndex.point(k), NDArrayIndex.all()).assign(Transforms.pow(z, 1.0 / p, false));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        checkInput();
        INDArray xc = floored();
        INDArray s = gates();
        double p = getParam(ChannelGeMParams.P).getDouble(0);
        long b = input.size(0);
        long c = input.size(1);
        long hw = input.size(2) * input.size(3);
        int n = layerConf().getNOut();
        INDArray e3 = epsilon.castTo(dataType).dup('c').reshape('c', b, n, hw);
        INDArray dxc = Nd4j.zeros(dataType, b, c, hw);
        INDArray dW = s == null ? null : Nd4j.zeros(dataType, n, c);
        double dp = 0;
        for (int k = 0; k < n; k++) {
            INDArray u = gated(xc, s, k);
            INDArray up = Transforms.pow(u, p, true);
            INDArray z = up.sum(1);                                     // [B, hw]
            INDArray y = Transforms.pow(z, 1.0 / p, true);
            INDArray e = e3.get(NDArrayIndex.all(), NDArrayIndex.point(k), NDArrayIndex.all()); // [B, hw]
            INDArray ey = e.mul(y);
            INDArray g = ey.div(z);                                     // e y / z
            INDArray dU = up.div(u);                                    // u^(p-1)
            Nd4j.getExecutioner().exec(new BroadcastMulOp(dU, g, dU, 0, 2)); // dL/du
            if (s == null) {
                dxc.addi(dU);
            } else {
                INDArray sk = s.getRow(k).dup();
                INDArray scaled = Nd4j.createUninitialized(dataType, dU.shape(), 'c');
                Nd4j.getExecutioner().exec(new BroadcastMulOp(dU, sk, scaled, 1));
                dxc.addi(scaled);
                INDArray ds = dU.mul(xc).sum(0, 2);                     // [C]
                dW.getRow(k).assign(ds.mul(sk).muli(sk.rsub(1.0)));
            }
            INDArray upLogU = up.mul(Transforms.log(u, true)).sum(1);   // [B, hw]
            INDArray dy = Transforms.log(z, true).muli(-1.0 / (p * p)).addi(upLogU.divi(z).divi(p));
            dp += ey.mul(dy).sumNumber().doubleValue();
        }
        INDArray floor = input.castTo(dataType).dup('c').reshape('c', b, c, hw).gte(layerConf().getEps()).castTo(dataType);
        dxc.muli(floor);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        dx.assign(dxc.reshape('c', input.shape()));

        Gradient gradient = new DefaultGradient();
        INDArray pGrad = gradientViews.get(ChannelGeMParams.P);
        pGrad.assign(dp);
        gradient.setGradientFor(ChannelGeMParams.P, pGrad);
        if (dW != null) {
            INDArray wGrad = gradientViews.get(ChannelGeMParams.W);
            wGrad.assign(dW);
            gradient.setGradientFor(ChannelGeMParams.W, wGrad);
        }
        return new Pair<>(gradient, dx);
    }
}
