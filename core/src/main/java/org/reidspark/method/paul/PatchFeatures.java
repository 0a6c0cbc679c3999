package org.reidspark.method.paul;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * The row-wise L2 normalization PAUL applies to every patch feature and to the embedding weights
 * (https://arxiv.org/abs/1904.01308; official {@code PatchNetUn.forward}: {@code renorm(2, 0, 1e-5).mul(1e5)}, which
 * for rows of norm above 1e-5 is {@code x / ||x||}; here exactly {@code x / max(||x||, 1e-12)}), with its backward,
 * and the unsupervised embedding ({@code esim = unit(feature) . unit(W)^T}). Shapes: rows {@code [N, D]}.
 */
final class PatchFeatures {
    private static final double EPS = 1e-12;

    private PatchFeatures() {
    }

    /** {@code x [N, D]} with each row scaled to unit length (a new array). */
    static INDArray unit(INDArray x) {
        INDArray norms = Transforms.max(x.norm2(1).reshape(x.size(0), 1), EPS, false);
        return x.divColumnVector(norms);
    }

    /**
     * The error of {@code x} from the error {@code g [N, D]} of {@code y = unit(x)}:
     * {@code dx = (g - y (y . g)) / ||x||} per row.
     */
    static INDArray unitBackward(INDArray x, INDArray y, INDArray g) {
        if (!Arrays.equals(x.shape(), g.shape())) throw new IllegalArgumentException("error " + Arrays.toString(g.shape()) + " for rows " + Arrays.toString(x.shape()));
        INDArray norms = Transforms.max(x.norm2(1).reshape(x.size(0), 1), EPS, false);
        INDArray dot = y.mul(g).sum(1).reshape(x.size(0), 1);
        return g.sub(y.mulColumnVector(dot)).diviColumnVector(norms);
    }

    /**
     * A dense layer's weights {@code W [d, e]} (DL4J: input by output) with each output unit's weight vector (a
     * column) of unit length: PyTorch's {@code weight [e, d].renorm(2, 0, ...)} transposed.
     */
    static INDArray unitColumns(INDArray w) {
        INDArray norms = Transforms.max(w.norm2(0).reshape(1, w.size(1)), EPS, false);
        return w.divRowVector(norms);
    }

    /** Columns {@code [p*width, (p+1)*width)} of {@code x} (a copy). */
    static INDArray block(INDArray x, int p, long width) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(p * width, (p + 1) * width)).dup();
    }

    /** Rows {@code start, start + step, ...} of {@code x} (a copy). */
    static INDArray everyOther(INDArray x, int start, int step) {
        int n = (int) ((x.size(0) - start + step - 1) / step);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = start + i * step;
        return Nd4j.pullRows(x, 1, rows);
    }
}
