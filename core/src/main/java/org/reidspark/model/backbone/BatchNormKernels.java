package org.reidspark.model.backbone;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * BatchNorm's passes (Ioffe and Szegedy, https://arxiv.org/abs/1502.03167) over small float activations as plain
 * Java loops on the arrays' memory, for {@link NativeBatchNormalizationLayer}: batch statistics, normalization, and
 * the backward pass, each as one to three sweeps over rows of {@code inner} values, with no native call.
 *
 * <p>Why: on small maps a BatchNorm layer's ND4J path (the {@code moments} and {@code batchnorm} operations forward,
 * seven passes backward, each a native call with its own shape buffers) costs mostly per-call overhead: on the main
 * job's network (activations of 8 K to 262 K values per layer) these loops take a third to a half of its time
 * (docs/performance.md). At a few million values they are as fast as ND4J's two threads and slower beyond, so the
 * layer uses them below {@link #MAX_VALUES} only.
 *
 * <p>Shapes: activations and their gradients as {@code [outer, C, inner]} C-order views ({@code [B, C, H*W]} of
 * NCHW), per-channel values {@code [C]}. Sums run in float within a row and in double across rows. The layer's
 * gradients are checked against central differences in double precision on the ND4J path; these loops are checked
 * against that path in float (NativeLayersTest).
 */
final class BatchNormKernels {
    /** Activations with more values than this take ND4J's operations. */
    static final long MAX_VALUES = 1L << 21;
    /** Rows shorter than this (NHWC's {@code inner} of 1) take ND4J's operations. */
    static final long MIN_INNER = 4;

    private BatchNormKernels() {
    }

    /** Whether {@code view} ({@code [outer, C, inner]}) is one these loops take. */
    static boolean applies(INDArray view) {
        return view.dataType() == DataType.FLOAT && view.length() <= MAX_VALUES && view.size(2) >= MIN_INNER
                && contiguous(view);
    }

    private static boolean contiguous(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    private static void checkLayout(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT || !contiguous(a)) {
            throw new IllegalArgumentException(what + " must be contiguous C-order FLOAT, got " + a.dataType() + " "
                    + a.ordering() + " with element stride " + a.elementWiseStride());
        }
    }

    /** Per-channel batch mean and biased variance of {@code x} ({@code [outer, C, inner]}), into {@code mean}, {@code var}. */
    static void moments(INDArray x, float[] mean, float[] var) {
        checkLayout(x, "input");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        FloatBuffer xb = x.data().asNioFloat();
        int x0 = (int) x.offset();
        float[] row = new float[inner];
        double[] sums = new double[channels];
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                xb.get(x0 + (o * channels + c) * inner, row, 0, inner);
                float s = 0;
                for (int i = 0; i < inner; i++) s += row[i];
                sums[c] += s;
            }
        }
        double n = (double) outer * inner;
        for (int c = 0; c < channels; c++) mean[c] = (float) (sums[c] / n);
        java.util.Arrays.fill(sums, 0);
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                xb.get(x0 + (o * channels + c) * inner, row, 0, inner);
                float m = mean[c];
                float s = 0;
                for (int i = 0; i < inner; i++) {
                    float d = row[i] - m;
                    s += d * d;
                }
                sums[c] += s;
            }
        }
        for (int c = 0; c < channels; c++) var[c] = (float) (sums[c] / n);
    }

    /** {@code y = gamma (x - mean) / sqrt(var + eps) + beta} per channel; {@code x}, {@code y} {@code [outer, C, inner]}. */
    static void normalize(INDArray x, float[] mean, float[] var, float[] gamma, float[] beta, double eps, INDArray y) {
        checkLayout(x, "input");
        checkLayout(y, "output");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = gamma[c] / Math.sqrt(var[c] + eps);
            scale[c] = (float) s;
            shift[c] = (float) (beta[c] - mean[c] * s);
        }
        FloatBuffer xb = x.data().asNioFloat();
        FloatBuffer yb = y.data().asNioFloat();
        int x0 = (int) x.offset();
        int y0 = (int) y.offset();
        float[] row = new float[inner];
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int at = (o * channels + c) * inner;
                xb.get(x0 + at, row, 0, inner);
                float a = scale[c];
                float b = shift[c];
                for (int i = 0; i < inner; i++) row[i] = a * row[i] + b;
                yb.put(y0 + at, row, 0, inner);
            }
        }
    }

    /**
     * The training-mode backward pass, as {@link NativeBatchNormalizationLayer#backward} (same formulas): with
     * {@code N} values per channel, {@code s = 1 / sqrt(var + eps)} and {@code xc = x - mean},
     * {@code dBeta = sum(dy)}, {@code dGamma = s * sum(dy * xc)},
     * {@code dx = gamma * s * (dy - dBeta / N - xc * s * dGamma / N)}; two sweeps (the sums, then {@code dx}).
     */
    static void backward(INDArray x, INDArray dy, float[] mean, float[] var, float[] gamma, double eps,
                         INDArray dx, float[] dGamma, float[] dBeta) {
        checkLayout(x, "input");
        checkLayout(dy, "output gradient");
        checkLayout(dx, "input gradient");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        FloatBuffer xb = x.data().asNioFloat();
        FloatBuffer dyb = dy.data().asNioFloat();
        FloatBuffer dxb = dx.data().asNioFloat();
        int x0 = (int) x.offset();
        int dy0 = (int) dy.offset();
        int dx0 = (int) dx.offset();
        float[] row = new float[inner];
        float[] drow = new float[inner];
        double[] sumDy = new double[channels];
        double[] sumDyXc = new double[channels];
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int at = (o * channels + c) * inner;
                xb.get(x0 + at, row, 0, inner);
                dyb.get(dy0 + at, drow, 0, inner);
                float m = mean[c];
                float s1 = 0;
                float s2 = 0;
                for (int i = 0; i < inner; i++) {
                    float d = drow[i];
                    s1 += d;
                    s2 += d * (row[i] - m);
                }
                sumDy[c] += s1;
                sumDyXc[c] += s2;
            }
        }
        double n = (double) outer * inner;
        float[] onDy = new float[channels];
        float[] onXc = new float[channels];
        float[] constant = new float[channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt(var[c] + eps);
            double scale = gamma[c] * inv;
            dGamma[c] = (float) (inv * sumDyXc[c]);
            dBeta[c] = (float) sumDy[c];
            onDy[c] = (float) scale;
            onXc[c] = (float) (-scale * inv * inv * sumDyXc[c] / n);
            constant[c] = (float) (-scale * sumDy[c] / n);
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int at = (o * channels + c) * inner;
                xb.get(x0 + at, row, 0, inner);
                dyb.get(dy0 + at, drow, 0, inner);
                float m = mean[c];
                float a = onDy[c];
                float k = onXc[c];
                float b = constant[c];
                for (int i = 0; i < inner; i++) row[i] = a * drow[i] + k * (row[i] - m) + b;
                dxb.put(dx0 + at, row, 0, inner);
            }
        }
    }
}
