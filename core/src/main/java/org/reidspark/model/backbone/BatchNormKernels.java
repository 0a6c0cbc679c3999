package org.reidspark.model.backbone;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.FloatMemory;

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
        return view.length() <= MAX_VALUES && view.size(2) >= MIN_INNER && FloatMemory.contiguous(view);
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
        return FloatMemory.read(a, "parameter");
    }

    /** Writes {@code values} into a contiguous float array (a gradient view) without a native call. */
    static void write(float[] values, INDArray into) {
        if (into.length() != values.length) {
            throw new IllegalArgumentException(values.length + " values for an array of " + into.length());
        }
        FloatMemory.write(values, into, "gradient");
    }

    /**
     * The training-mode forward pass: per-channel batch mean and biased variance of {@code x} into {@code mean} and
     * {@code var}, and {@code y = gamma (x - mean) / sqrt(var + eps) + beta}; {@code x}, {@code y}
     * {@code [outer, C, inner]}. Three sweeps over a copy of {@code x} (mean, variance about the mean, output).
     */
    static void train(INDArray x, float[] gamma, float[] beta, double eps, INDArray y, float[] mean, float[] var) {
        FloatMemory.buffer(y, "output");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        float[] v = FloatMemory.read(x, scratch(0, (int) x.length()), "input");
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
        FloatMemory.write(v, y, "output");
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
        FloatMemory.buffer(dx, "input gradient");
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = (int) x.size(2);
        float[] xs = FloatMemory.read(x, scratch(0, (int) x.length()), "input");
        float[] dys = FloatMemory.read(dy, scratch(1, (int) dy.length()), "output gradient");
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
        FloatMemory.write(xs, dx, "input gradient");
    }
}
