package org.reidspark.model.norm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layer of {@link ReflectionPad}: output row {@code i} is input row {@code reflect(i - p)}, then likewise for the
 * columns, with {@code reflect(k) = -k} below 0 and {@code 2(n-1) - k} past the end; backward adds each output error
 * back onto the position it came from. Shapes: {@code [B, C, h, w]} in, {@code [B, C, h + 2p, w + 2p]} out.
 */
public class ReflectionPadLayer extends AbstractLayer<ReflectionPad> {

    public ReflectionPadLayer(NeuralNetConfiguration conf, DataType dataType) {
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

    /** The source index of output position {@code i} along a dimension of {@code n} padded by {@code p}. */
    static int reflect(int i, int p, int n) {
        int k = i - p;
        if (k < 0) return -k;
        if (k >= n) return 2 * (n - 1) - k;
        return k;
    }

    private void check(INDArray x) {
        int p = layerConf().getPadding();
        if (x.rank() != 4 || p >= x.size(2) || p >= x.size(3)) {
            throw new IllegalArgumentException("ReflectionPad " + layerConf().getLayerName() + " (padding " + p
                    + ") needs [B, C, h, w] with h, w > " + p + ", got " + java.util.Arrays.toString(x.shape()));
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = input.castTo(dataType);
        check(x);
        int p = layerConf().getPadding();
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        INDArray rows = Nd4j.createUninitialized(dataType, new long[]{x.size(0), x.size(1), h + 2L * p, w}, 'c');
        for (int i = 0; i < h + 2 * p; i++) {
            rows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all())
                    .assign(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(reflect(i, p, h)), NDArrayIndex.all()));
        }
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{x.size(0), x.size(1), h + 2L * p, w + 2L * p}, 'c');
        for (int j = 0; j < w + 2 * p; j++) {
            y.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(j))
                    .assign(rows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(reflect(j, p, w))));
        }
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        check(input);
        int p = layerConf().getPadding();
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        INDArray dy = epsilon.castTo(dataType);
        INDArray dRows = Nd4j.zeros(dataType, input.size(0), input.size(1), h + 2L * p, w);
        for (int j = 0; j < w + 2 * p; j++) {
            dRows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(reflect(j, p, w)))
                    .addi(dy.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(j)));
        }
        INDArray dx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        dx.assign(0);
        for (int i = 0; i < h + 2 * p; i++) {
            dx.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(reflect(i, p, h)), NDArrayIndex.all())
                    .addi(dRows.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all()));
        }
        return new Pair<>(new DefaultGradient(), dx);
    }
}
