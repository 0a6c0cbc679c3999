package org.reidspark.model.head;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of {@link CosineClassifier} ("Clothes-Changing Person Re-identification with RGB Modality Only", Gu et al.,
 * CVPR 2022, https://arxiv.org/abs/2204.06890): {@code y = n(x) n(W)} with {@code n(x)} each row of {@code x}
 * {@code [B, D]} scaled to unit length and {@code n(W)} each column of {@code W} {@code [D, K]} scaled to unit length;
 * norms below {@value #EPS} count as {@value #EPS}, as PyTorch's {@code F.normalize}.
 *
 * <p>Backward, for {@code dy [B, K]}: with {@code u = n(x)}, {@code v = n(W)}, {@code du = dy v^T},
 * {@code dv = u^T dy}, the normalisation's Jacobian gives {@code dx_i = (du_i - u_i <u_i, du_i>) / |x_i|} and
 * {@code dW_k = (dv_k - v_k <v_k, dv_k>) / |w_k|} (rows of x, columns of W). No dropout, no weight noise, no mask.
 */
public class CosineClassifierLayer extends DenseLayer {
    /** Smallest norm used in the division (PyTorch's {@code F.normalize} default). */
    public static final double EPS = 1e-12;

    public CosineClassifierLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = input.castTo(dataType);
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        checkInput(x, w);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.size(0), w.size(1));
        return forward(x, w, y);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        checkInput(x, w);
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        backward(x, w, epsilon.castTo(dataType), dx, weightGrad);
        Gradient g = new DefaultGradient();
        g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        return new Pair<>(g, dx);
    }

    private void checkInput(INDArray x, INDArray w) {
        if (x.rank() != 2 || x.size(1) != w.size(0)) {
            throw new IllegalArgumentException("cosine classifier " + layerId() + " expects [batch, " + w.size(0)
                    + "] input, got " + java.util.Arrays.toString(x.shape()));
        }
    }

    /** Row norms of {@code x} {@code [B, D]} as {@code [B, 1]}, at least {@link #EPS}. */
    static INDArray rowNorms(INDArray x) {
        return Transforms.max(x.norm2(1).reshape(x.size(0), 1), EPS, false);
    }

    /** Column norms of {@code w} {@code [D, K]} as {@code [1, K]}, at least {@link #EPS}. */
    static INDArray columnNorms(INDArray w) {
        return Transforms.max(w.norm2(0).reshape(1, w.size(1)), EPS, false);
    }

    /** {@code out = n(x) n(W)} (cosines {@code [B, K]}); returns {@code out}. */
    public static INDArray forward(INDArray x, INDArray w, INDArray out) {
        INDArray u = x.divColumnVector(rowNorms(x));
        INDArray v = w.divRowVector(columnNorms(w));
        return u.mmul(v, out);
    }

    /**
     * The gradients for {@code dy} {@code [B, K]}: {@code dx} {@code [B, D]} and {@code dW} {@code [D, K]} are written
     * into the given arrays.
     */
    public static void backward(INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw) {
        INDArray xn = rowNorms(x);
        INDArray wn = columnNorms(w);
        INDArray u = x.divColumnVector(xn);
        INDArray v = w.divRowVector(wn);
        INDArray du = dy.mmul(v.transpose());                       // [B, D]
        INDArray dv = u.transpose().mmul(dy);                       // [D, K]
        INDArray uDotDu = u.mul(du).sum(1).reshape(x.size(0), 1);   // [B, 1]
        INDArray vDotDv = v.mul(dv).sum(0).reshape(1, w.size(1));   // [1, K]
        dx.assign(du.subi(u.mulColumnVector(uDotDu)).diviColumnVector(xn));
        dw.assign(dv.subi(v.mulRowVector(vDotDv)).diviRowVector(wn));
    }
}
