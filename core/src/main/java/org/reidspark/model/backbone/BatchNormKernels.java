package org.reidspark.model.backbone;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.FloatMemory;
import org.reidspark.model.ThreadShare;

import java.nio.FloatBuffer;

/**
 * BatchNorm's training-mode passes (Ioffe and Szegedy, https://arxiv.org/abs/1502.03167) over small float
 * activations as plain Java loops, for {@link NativeBatchNormalizationLayer}: batch statistics with normalization,
 * and the backward pass, channel by channel on copies of the channel's rows in per-thread scratch arrays (each value
 * of the arrays' memory read once and written once), with no native call. Inference stays on ND4J's single
 * {@code batchnorm} call.
 *
 * <p>Why: on small maps a BatchNorm layer's ND4J path (the {@code moments} and {@code batchnorm} operations forward,
 * seven passes backward, each a native call with its own shape buffers) costs mostly per-call overhead, and the main
 * job's network has 20 such layers with 8 K to 262 K values each (docs/performance.md). Measured per layer against
 * the ND4J path (single thread against ND4J's two): 1.7-2.5x faster forward and 3-5x backward from 8 K to 262 K
 * values. Each pass works channel by channel (a channel's rows stay in cache across its sweeps) with the channels
 * split among the calling thread's native threads; measured that way against oneDNN's BatchNorm primitives
 * ({@link OneDnnBatchNorm}) on 2 threads, 2.8 / 4.2 ms against 4.5 / 5.2 ms (forward / backward) at
 * {@code [32, 64, 64x32]} and 0.5 / 0.65 against 0.7 / 0.9 ms at {@code [32, 64, 32x16]}, so the layer uses them up to
 * {@link #MAX_VALUES} values (ResNet-18's stem at 128x64), and oneDNN beyond (docs/performance.md, "Max pooling,
 * BatchNorm's loops and ReLU"). In the network, where the activations come from memory rather than cache, copying
 * one channel at a time instead of the whole array (whose copy had left the cache before the sweeps read it) took
 * ResNet-18's 20 BatchNorms from 24-27 to 18-22 ms a training step forward and from 30-35 to 24-29 ms backward
 * (docs/performance.md, "Residual sums in place, collections when they pay").
 *
 * <p>Shapes: activations and their gradients as C-order {@code [outer, C, inner]} arrays, or NCHW
 * {@code [B, C, H, W]} read as {@code [B, C, H*W]} (the layer passes its arrays as they are: no reshaped view per
 * call), per-channel values {@code [C]} (any shape holding them contiguously, as the layer's {@code [1, C]}
 * parameters). Sums run in float within a row (four interleaved partial sums) and in double across rows; the results
 * do not depend on how the channels are split. The layer's gradients are checked against central differences in
 * double precision on the ND4J path; these loops are checked against that path in float (BatchNormKernelsTest).
 */
final class BatchNormKernels {
    /** Activations with more values than this take ND4J's operations. */
    static final long MAX_VALUES = 1L << 22;
    /** Rows shorter than this (NHWC's {@code inner} of 1) take ND4J's operations. */
    static final long MIN_INNER = 4;

    private BatchNormKernels() {
    }

    /**
     * Whether {@code x} is one these loops take: a contiguous C-order float array of rank 3 or more with the channels
     * on axis 1 ({@code [outer, C, inner]}, or NCHW itself, read as {@code [B, C, H*W]} without a reshaped view).
     */
    static boolean applies(INDArray x) {
        return x.rank() >= 3 && x.length() > 0 && x.length() <= MAX_VALUES && inner(x) >= MIN_INNER
                && FloatMemory.contiguous(x);
    }

    /** Values per row: the product of {@code x}'s axes after the channel axis (1). */
    private static int inner(INDArray x) {
        return (int) (x.length() / (x.size(0) * x.size(1)));
    }

    /** Per-thread scratch: two float arrays as long as the largest channel seen (its values in all rows). */
    private static final ThreadLocal<float[][]> CHANNEL = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] channel(int which, int length) {
        float[][] s = CHANNEL.get();
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
     * of one shape that {@link #applies}. Channel by channel (the channel's rows of {@code x} copied in, three sweeps over
     * them: mean, variance about the mean, output, copied out), the channels split among the calling thread's native
     * threads.
     */
    static void train(INDArray x, float[] gamma, float[] beta, double eps, INDArray y, float[] mean, float[] var) {
        train(x, gamma, beta, eps, y, mean, var, ThreadShare.parts(x.length()));
    }

    /** {@link #train} with the channels in {@code parts} parts (the results do not depend on it). */
    static void train(INDArray x, float[] gamma, float[] beta, double eps, INDArray y, float[] mean, float[] var, int parts) {
        FloatBuffer xb = FloatMemory.buffer(x, "input");
        FloatBuffer yb = FloatMemory.buffer(y, "output");
        int xAt = (int) x.offset(), yAt = (int) y.offset();
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = inner(x);
        double count = (double) outer * inner;
        int rowStep = channels * inner;
        ThreadShare.forRanges(channels, parts, (from, to) -> {
            float[] v = channel(0, outer * inner);
            for (int c = from; c < to; c++) {
                gather(xb, xAt + c * inner, rowStep, outer, inner, v);
                double sum = 0;
                for (int at = 0; at < outer * inner; at += inner) sum += sum(v, at, at + inner);
                float m = (float) (sum / count);
                double squares = 0;
                for (int at = 0; at < outer * inner; at += inner) squares += sumOfSquares(v, at, at + inner, m);
                mean[c] = m;
                var[c] = (float) (squares / count);
                double k = gamma[c] / Math.sqrt(var[c] + eps);
                float a = (float) k;
                float b = (float) (beta[c] - m * k);
                for (int i = 0; i < outer * inner; i++) v[i] = a * v[i] + b;
                scatter(v, yb, yAt + c * inner, rowStep, outer, inner);
            }
        });
    }

    /**
     * The training-mode backward pass, as {@link NativeBatchNormalizationLayer#backward} (same formulas): with
     * {@code N} values per channel, {@code s = 1 / sqrt(var + eps)} and {@code xc = x - mean},
     * {@code dBeta = sum(dy)}, {@code dGamma = s * sum(dy * xc)},
     * {@code dx = gamma * s * (dy - dBeta / N - xc * s * dGamma / N)}; channel by channel (the channel's rows of
     * {@code x} and {@code dy} copied in, two sweeps over them: the sums, then {@code dx}, copied out), split as
     * {@link #train}.
     */
    static void backward(INDArray x, INDArray dy, float[] mean, float[] var, float[] gamma, double eps,
                         INDArray dx, float[] dGamma, float[] dBeta) {
        backward(x, dy, mean, var, gamma, eps, dx, dGamma, dBeta, ThreadShare.parts(x.length()));
    }

    /** {@link #backward} with the channels in {@code parts} parts (the results do not depend on it). */
    static void backward(INDArray x, INDArray dy, float[] mean, float[] var, float[] gamma, double eps,
                         INDArray dx, float[] dGamma, float[] dBeta, int parts) {
        FloatBuffer xb = FloatMemory.buffer(x, "input");
        FloatBuffer dyb = FloatMemory.buffer(dy, "output gradient");
        FloatBuffer dxb = FloatMemory.buffer(dx, "input gradient");
        int xAt = (int) x.offset(), dyAt = (int) dy.offset(), dxAt = (int) dx.offset();
        int outer = (int) x.size(0);
        int channels = (int) x.size(1);
        int inner = inner(x);
        double count = (double) outer * inner;
        int rowStep = channels * inner;
        ThreadShare.forRanges(channels, parts, (from, to) -> {
            int n = outer * inner;
            float[] xs = channel(0, n);
            float[] dys = channel(1, n);
            for (int c = from; c < to; c++) {
                gather(xb, xAt + c * inner, rowStep, outer, inner, xs);
                gather(dyb, dyAt + c * inner, rowStep, outer, inner, dys);
                float m = mean[c];
                double sumDy = 0;
                double sumDyXc = 0;
                for (int at = 0; at < n; at += inner) {
                    // four partial sums of each kind: independent additions the processor overlaps
                    float a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
                    int i = at, end = at + inner;
                    for (; i + 3 < end; i += 4) {
                        float d0 = dys[i], d1 = dys[i + 1], d2 = dys[i + 2], d3 = dys[i + 3];
                        a0 += d0;
                        a1 += d1;
                        a2 += d2;
                        a3 += d3;
                        b0 += d0 * (xs[i] - m);
                        b1 += d1 * (xs[i + 1] - m);
                        b2 += d2 * (xs[i + 2] - m);
                        b3 += d3 * (xs[i + 3] - m);
                    }
                    for (; i < end; i++) {
                        a0 += dys[i];
                        b0 += dys[i] * (xs[i] - m);
                    }
                    sumDy += (a0 + a1) + (a2 + a3);
                    sumDyXc += (b0 + b1) + (b2 + b3);
                }
                double inv = 1 / Math.sqrt(var[c] + eps);
                double scale = gamma[c] * inv;
                dGamma[c] = (float) (inv * sumDyXc);
                dBeta[c] = (float) sumDy;
                float a = (float) scale;
                float k = (float) (-scale * inv * inv * sumDyXc / count);
                float b = (float) (-scale * sumDy / count);
                for (int i = 0; i < n; i++) xs[i] = a * dys[i] + k * (xs[i] - m) + b;
                scatter(xs, dxb, dxAt + c * inner, rowStep, outer, inner);
            }
        });
    }

    /** One channel's {@code outer} rows of {@code inner} values, {@code rowStep} apart from {@code start}, into {@code v}. */
    private static void gather(FloatBuffer from, int start, int rowStep, int outer, int inner, float[] v) {
        for (int o = 0, at = start; o < outer; o++, at += rowStep) from.get(at, v, o * inner, inner);
    }

    /** {@link #gather}'s inverse: {@code v}'s rows back to their places. */
    private static void scatter(float[] v, FloatBuffer to, int start, int rowStep, int outer, int inner) {
        for (int o = 0, at = start; o < outer; o++, at += rowStep) to.put(at, v, o * inner, inner);
    }

    /** The sum of {@code v[from..to)} in float, as four interleaved partial sums (independent additions). */
    private static float sum(float[] v, int from, int to) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            a0 += v[i];
            a1 += v[i + 1];
            a2 += v[i + 2];
            a3 += v[i + 3];
        }
        for (; i < to; i++) a0 += v[i];
        return (a0 + a1) + (a2 + a3);
    }

    /** The sum of {@code (v[i] - m)^2} over {@code [from, to)}, as {@link #sum}. */
    private static float sumOfSquares(float[] v, int from, int to, float m) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            float d0 = v[i] - m, d1 = v[i + 1] - m, d2 = v[i + 2] - m, d3 = v[i + 3] - m;
            a0 += d0 * d0;
            a1 += d1 * d1;
            a2 += d2 * d2;
            a3 += d3 * d3;
        }
        for (; i < to; i++) {
            float d = v[i] - m;
            a0 += d * d;
        }
        return (a0 + a1) + (a2 + a3);
    }
}
