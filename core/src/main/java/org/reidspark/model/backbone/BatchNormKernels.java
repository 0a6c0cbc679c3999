package org.reidspark.model.backbone;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * BatchNorm's training-mode passes (Ioffe and Szegedy, https://arxiv.org/abs/1502.03167) over small float
 * activations as plain Java loops, for {@link NativeBatchNormalizationLayer}: batch statistics with normalization,
 * and the backward pass, on copies of the activations in per-thread scratch arrays (one bulk read and one bulk write
 * of the array's memory each), with no native call. Inference stays on ND4J's single {@code batchnorm} call.
 *
 * <p>Why: on small maps a BatchNorm layer's ND4J path (the {@code moments} and {@code batchnorm} operations forward,
 * seven passes backward, each a native call with its own shape buffers) costs mostly per-call overhead, and the main
 * job's network has 20 such layers with 8 K to 262 K values each (docs/performance.md). Measured per layer against
 * the ND4J path (single thread against ND4J's two): 1.7-2.5x faster forward and 3-5x backward from 8 K to 262 K
 * values; at 2 M values forward is 1.2x slower and backward 1.3x faster, at 4 M both about even or slower, so the
 * layer uses them up to {@link #MAX_VALUES} values only (scratch of at most 8 MB per training thread).
 *
 * <p>Shapes: activations and their gradients as {@code [outer, C, inner]} C-order views ({@code [B, C, H*W]} of
 * NCHW), per-channel values {@code [C]}. Sums run in float within a row and in double across rows. The layer's
 * gradients are checked against central differences in double precision on the ND4J path; these loops are checked
 * against that path in float (BatchNormKernelsTest).
 */
final class BatchNormKernels {
    /** Activations with more values than this take ND4J's operations. */
    static final long MAX_VALUES = 1L << 20;
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
        return (a.ordering() == 'c' || a.isVector()) && a.elementWiseStride() == 1
                && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    private static void checkLayout(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT || !contiguous(a)) {
            throw new IllegalArgumentException(what + " must be contiguous C-order FLOAT, got " + a.dataType() + " "
                    + a.ordering() + " with element stride " + a.elementWiseStride());
        }
    }

    /** Per-thread scratch: two float arrays as long as the largest activation seen (at most {@link #MAX_VALUES}). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int length) {
        float[][] s = SCRATCH.get();
        if (s[which].length < length) s[which] = new float[length];
        return s[which];
    }

    /** The values of a contiguous float array (a parameter), read from its memory without a native call. */
    static float[] values(INDArray a) {
        checkLayout(a, "parameter");
        float[] out = new float[(int) a.length()];
        a.data().asNioFloat().get((int) a.offset(), out, 0, out.length);
        return out;
    }

    /** Writes {@code values} into a contiguous float array (a gradient view) without a native call. */
    static void write(float[] values, INDArray into) {
        checkLayout(into, "gradient");
        if (into.length() != values.length) {
            throw new IllegalArgumentException(values.length + " values for an array of " + into.length());
        }
        into.data().asNioFloat().put((int) into.offset(), values, 0, values.length);
    }

    /**
     * The training-mode forward pass: per-channel batch mean and biased variance of {@code x} into {@code mean} and
     * {@code var}, and {@code y = gamma (x - mean) / sqrt(var + eps) + beta}; {@code x}, {@code y}
     * {@code [outer, C, inner]}. Three sweeps over a copy of {@code x} (mean, variance about the mean, output).
     */
    static void train(INDArray x, float[] gamma, float[] beta, double eps, INDArray y, float[] mean, float[] var) {
        checkLayout(x, "input");
        checkLayout(y, "output");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        int n = (int) x.length();
        float[] v = scratch(0, n);
        x.data().asNioFloat().get((int) x.offset(), v, 0, n);
        double[] sums = new double[channels];
        for (int o = 0, at = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++, at += inner) {
                float s = 0;
                for (int i = at; i < at + inner; i++) s += v[i];
                sums[c] += s;
            }
        }
        double count = (double) outer * inner;
        for (int c = 0; c < channels; c++) mean[c] = (float) (sums[c] / count);
        java.util.Arrays.fill(sums, 0);
        for (int o = 0, at = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++, at += inner) {
                float m = mean[c];
                float s = 0;
                for (int i = at; i < at + inner; i++) {
                    float d = v[i] - m;
                    s += d * d;
                }
                sums[c] += s;
            }
        }
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            var[c] = (float) (sums[c] / count);
            double k = gamma[c] / Math.sqrt(var[c] + eps);
            scale[c] = (float) k;
            shift[c] = (float) (beta[c] - mean[c] * k);
        }
        for (int o = 0, at = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++, at += inner) {
                float a = scale[c];
                float b = shift[c];
                for (int i = at; i < at + inner; i++) v[i] = a * v[i] + b;
            }
        }
        y.data().asNioFloat().put((int) y.offset(), v, 0, n);
    }

    /**
     * The training-mode backward pass, as {@link NativeBatchNormalizationLayer#backward} (same formulas): with
     * {@code N} values per channel, {@code s = 1 / sqrt(var + eps)} and {@code xc = x - mean},
     * {@code dBeta = sum(dy)}, {@code dGamma = s * sum(dy * xc)},
     * {@code dx = gamma * s * (dy - dBeta / N - xc * s * dGamma / N)}; two sweeps over copies of {@code x} and
     * {@code dy} (the sums, then {@code dx}).
     */
    static void backward(INDArray x, INDArray dy, float[] mean, float[] var, float[] gamma, double eps,
                         INDArray dx, float[] dGamma, float[] dBeta) {
        checkLayout(x, "input");
        checkLayout(dy, "output gradient");
        checkLayout(dx, "input gradient");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        int n = (int) x.length();
        float[] xs = scratch(0, n);
        float[] dys = scratch(1, n);
        x.data().asNioFloat().get((int) x.offset(), xs, 0, n);
        dy.data().asNioFloat().get((int) dy.offset(), dys, 0, n);
        double[] sumDy = new double[channels];
        double[] sumDyXc = new double[channels];
        for (int o = 0, at = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++, at += inner) {
                float m = mean[c];
                float s1 = 0;
                float s2 = 0;
                for (int i = at; i < at + inner; i++) {
                    float d = dys[i];
                    s1 += d;
                    s2 += d * (xs[i] - m);
                }
                sumDy[c] += s1;
                sumDyXc[c] += s2;
            }
        }
        double count = (double) outer * inner;
        float[] onDy = new float[channels];
        float[] onXc = new float[channels];
        float[] constant = new float[channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt(var[c] + eps);
            double scale = gamma[c] * inv;
            dGamma[c] = (float) (inv * sumDyXc[c]);
            dBeta[c] = (float) sumDy[c];
            onDy[c] = (float) scale;
            onXc[c] = (float) (-scale * inv * inv * sumDyXc[c] / count);
            constant[c] = (float) (-scale * sumDy[c] / count);
        }
        for (int o = 0, at = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++, at += inner) {
                float m = mean[c];
                float a = onDy[c];
                float k = onXc[c];
                float b = constant[c];
                for (int i = at; i < at + inner; i++) xs[i] = a * dys[i] + k * (xs[i] - m) + b;
            }
        }
        dx.data().asNioFloat().put((int) dx.offset(), xs, 0, n);
    }
}
