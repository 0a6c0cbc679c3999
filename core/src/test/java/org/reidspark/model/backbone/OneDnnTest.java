package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native layers in float where they call oneDNN's primitives directly ({@link OneDnn}).
 *
 * <p>{@link NativeConvolutionLayer} ({@link OneDnnConvolution}),
 * against ND4J's {@code conv2d} / {@code conv2d_bp} on the same arrays: the path the layer takes in double, which
 * {@code NativeLayersTest} checks against central differences. Every kind of convolution the backbones and DG-Net's
 * generator use, in both layouts (channels-first 1x1 kernels run on the caller's arrays, larger kernels through
 * oneDNN's blocked layouts and back; channels-last runs on the caller's arrays), odd sizes where a stride drops the
 * last row, with and without bias; the output, the input's gradient and the parameters' gradients.
 *
 * <p>{@link NativeBatchNormalizationLayer}'s training passes on maps too large for {@link BatchNormKernels}
 * ({@link OneDnnBatchNorm}) against DL4J's own BatchNorm layer in float, in both layouts.
 */
class OneDnnTest {

    /** kernel, stride, padding, input channels, output channels, height, width, bias */
    private static final int[][] CASES = {
            {7, 2, 3, 3, 8, 19, 11, 0},   // the stem
            {3, 1, 1, 8, 8, 9, 7, 0},
            {3, 2, 1, 8, 16, 9, 7, 1},    // odd size, stride 2
            {1, 1, 0, 16, 32, 5, 4, 0},
            {1, 2, 0, 16, 32, 9, 7, 0},   // downsampling shortcut
            {1, 1, 0, 5, 3, 6, 5, 1},     // channels not a multiple of oneDNN's blocks
            {4, 2, 1, 6, 10, 8, 6, 1},    // even kernel (a generator's down-sampling convolution)
            {5, 1, 2, 3, 4, 7, 7, 1},
    };

    private static ComputationGraph conv(int[] c, CNN2DFormat format) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(7, DataType.FLOAT, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(c[5], c[6], c[3], format));
        g.addLayer("conv", new NativeConvolution.Builder(c[0], c[0]).stride(c[1], c[1]).padding(c[2], c[2]).nOut(c[4])
                .hasBias(c[7] == 1).activation(Activation.IDENTITY).dataFormat(format).build(), "input");
        g.setOutputs("conv");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        if (c[7] == 1) graph.getLayer("conv").setParam("b", Nd4j.randn(DataType.FLOAT, graph.getLayer("conv").getParam("b").shape()));
        return graph;
    }

    @Test
    void layerInFloatMatchesNd4jsConvolutionInBothLayouts() {
        assertTrue(OneDnn.enabled(), "ND4J's CPU backend here: the layer takes oneDNN's path in float");
        List<String> failures = new ArrayList<>();
        Nd4j.getRandom().setSeed(11);
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int[] c : CASES) {
                ComputationGraph g = conv(c, format);
                // two batch sizes, and the first again: one plan per input shape, reused
                for (int batch : new int[]{3, 2, 3}) {
                    long[] inShape = format == CNN2DFormat.NCHW ? new long[]{batch, c[3], c[5], c[6]}
                            : new long[]{batch, c[5], c[6], c[3]};
                    INDArray x = Nd4j.randn(DataType.FLOAT, inShape);
                    Map<String, INDArray> out = ExternalBackprop.forward(g, x);
                    INDArray y = out.get("conv");
                    INDArray eps = Nd4j.randn(DataType.FLOAT, y.shape());
                    ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("conv", eps));
                    Reference ref = reference(g, c, format, x, eps);
                    String what = format + " " + java.util.Arrays.toString(c) + " batch " + batch;
                    check(failures, ref.out, y, what + " output");
                    check(failures, ref.inputGradient, back.inputGradients().get("input"), what + " input gradient");
                    check(failures, ref.weightGradient, back.gradient().getGradientFor("conv_W"), what + " weight gradient");
                    if (c[7] == 1) check(failures, ref.biasGradient, back.gradient().getGradientFor("conv_b"), what + " bias gradient");
                    // backward alone skips the error to the network's input, which this layer reads: same parameter gradients
                    ExternalBackprop.forward(g, x);
                    org.deeplearning4j.nn.gradient.Gradient alone = ExternalBackprop.backward(g, out, Map.of("conv", eps));
                    check(failures, ref.weightGradient, alone.getGradientFor("conv_W"), what + " weight gradient, backward alone");
                    if (c[7] == 1) check(failures, ref.biasGradient, alone.getGradientFor("conv_b"), what + " bias gradient, backward alone");
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** kernel, stride, padding, channels, height, width */
    private static final int[][] POOLS = {
            {3, 2, 1, 8, 17, 9},   // ResNet's stem, odd size
            {3, 2, 1, 16, 16, 8},
            {2, 2, 0, 5, 9, 7},    // a stride that drops the last row and column
            {3, 1, 1, 4, 6, 5},
            {3, 3, 0, 20, 10, 8},  // channels not a multiple of oneDNN's blocks
    };

    private static ComputationGraph pool(int[] c, CNN2DFormat format, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(7, type, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(c[4], c[5], c[3], format));
        g.addLayer("pool", NativeSubsampling.of(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.MAX).kernelSize(c[0], c[0]).stride(c[1], c[1])
                .padding(c[2], c[2]).dataFormat(format).build()), "input");
        g.setOutputs("pool");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /**
     * Max pooling in float ({@link OneDnnPooling}) against the layer in double, which runs libnd4j's own
     * {@code maxpool2d} / {@code maxpool2d_bp} (checked against DL4J's layer in {@code NativeLayersTest}): output and
     * the input's gradient, both layouts, two batch sizes and the first again (plans reused). Then the workspace's
     * guard: a backward pass for an input other than the last one pooled gives that input's gradient, not the
     * positions of the last forward pass.
     */
    @Test
    void maxPoolingMatchesLibnd4jsKernelsInBothLayouts() {
        List<String> failures = new ArrayList<>();
        Nd4j.getRandom().setSeed(13);
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int[] c : POOLS) {
                ComputationGraph g = pool(c, format, DataType.FLOAT);
                ComputationGraph reference = pool(c, format, DataType.DOUBLE);
                for (int batch : new int[]{3, 2, 3}) {
                    long[] inShape = format == CNN2DFormat.NCHW ? new long[]{batch, c[3], c[4], c[5]}
                            : new long[]{batch, c[4], c[5], c[3]};
                    INDArray x = Nd4j.randn(DataType.FLOAT, inShape);
                    Map<String, INDArray> out = ExternalBackprop.forward(g, x);
                    INDArray eps = Nd4j.randn(DataType.FLOAT, out.get("pool").shape());
                    INDArray dx = ExternalBackprop.backwardToInputs(g, out, Map.of("pool", eps)).inputGradients().get("input");
                    Map<String, INDArray> refOut = ExternalBackprop.forward(reference, x.castTo(DataType.DOUBLE));
                    INDArray refDx = ExternalBackprop.backwardToInputs(reference, refOut,
                            Map.of("pool", eps.castTo(DataType.DOUBLE))).inputGradients().get("input");
                    String what = format + " " + java.util.Arrays.toString(c) + " batch " + batch;
                    check(failures, refOut.get("pool").castTo(DataType.FLOAT), out.get("pool"), what + " output", 1e-7);
                    check(failures, refDx.castTo(DataType.FLOAT), dx, what + " input gradient", 1e-6);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));

        int[] c = POOLS[0];
        ComputationGraph g = pool(c, CNN2DFormat.NCHW, DataType.FLOAT);
        org.deeplearning4j.nn.api.Layer layer = g.getLayer("pool");
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        INDArray first = Nd4j.randn(DataType.FLOAT, 2, c[3], c[4], c[5]);
        INDArray second = Nd4j.randn(DataType.FLOAT, 2, c[3], c[4], c[5]);
        layer.setInput(first, mgr);
        INDArray eps = Nd4j.randn(DataType.FLOAT, layer.activate(true, mgr).shape());
        INDArray expected = layer.backpropGradient(eps, mgr).getSecond();
        layer.setInput(second, mgr);
        layer.activate(true, mgr);
        layer.setInput(first, mgr);
        INDArray afterAnother = layer.backpropGradient(eps, mgr).getSecond();
        assertEquals(expected, afterAnother, "the gradient of the input being backpropagated, not of the last one pooled");
    }

    /** The switch's rule: auto follows the backend; a misspelled value fails naming the property and the choices. */
    @Test
    void switchRule() {
        assertTrue(OneDnn.wanted("auto", true));
        assertTrue(!OneDnn.wanted("auto", false), "GPU executors keep ND4J's operations");
        assertTrue(OneDnn.wanted("true", false) && !OneDnn.wanted("false", true));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> OneDnn.wanted("yes", true));
        assertTrue(bad.getMessage().contains(OneDnn.PROPERTY) && bad.getMessage().contains("auto, true or false"), bad.getMessage());
    }

    /** An input that is a view (a permutation, not dense) is copied, not read as if dense. */
    @Test
    void nonDenseInputIsCopiedFirst() {
        int[] c = CASES[1];
        ComputationGraph g = conv(c, CNN2DFormat.NCHW);
        INDArray dense = Nd4j.randn(DataType.FLOAT, 2, c[3], c[5], c[6]);
        INDArray view = dense.permute(0, 1, 3, 2).dup('c').permute(0, 1, 3, 2);
        assertEquals(dense, view);
        assertTrue(!OneDnn.isDense(view) && OneDnn.isDense(dense));
        assertEquals(g.output(false, dense)[0], g.output(false, view)[0]);
        INDArray weights = g.getLayer("conv").getParam("W");
        assertNotEquals(0.0, weights.norm2Number().doubleValue());
        INDArray doubleInput = dense.castTo(DataType.DOUBLE);
        assertThrows(IllegalArgumentException.class, () -> new Object() {
            void run() {
                OneDnnConvolution plan = new OneDnnConvolution(doubleInput.shape(), c[4], new int[]{3, 3}, new int[]{1, 1},
                        new int[]{1, 1}, new int[]{1, 1}, false, false);
                plan.forward(doubleInput, weights, null, Nd4j.create(DataType.FLOAT, 2, c[4], c[5], c[6]));
            }
        }.run(), "a double array is refused, not read as float");
    }

    /**
     * BatchNorm on {@code [B, C, H, W]} / {@code [B, H, W, C]} input above {@link BatchNormKernels#MAX_VALUES}, with
     * gamma and beta away from 1 and 0 and a channel mean far from 0: the output, the error to the input, gamma's and
     * beta's gradients and the running statistics' steps, twice in a row (the plan reused), against DL4J's layer.
     */
    @Test
    void batchNormTrainingPassesMatchDl4jsLayerInBothLayouts() {
        assertTrue(OneDnn.enabled());
        int channels = 24, h = 200, w = 120;
        for (CNN2DFormat format : CNN2DFormat.values()) {
            ComputationGraph dl4j = batchNorm("dl4j", format, channels, h, w);
            ComputationGraph nat = batchNorm("native", format, channels, h, w);
            Nd4j.getRandom().setSeed(8);
            dl4j.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5));
            dl4j.getLayer("bn").setParam("beta", Nd4j.randn(DataType.FLOAT, 1, channels));
            dl4j.getLayer("bn").setParam("mean", Nd4j.randn(DataType.FLOAT, 1, channels));
            dl4j.getLayer("bn").setParam("var", Nd4j.rand(DataType.FLOAT, 1, channels).addi(1));
            nat.setParams(dl4j.params());
            long[] shape = format == CNN2DFormat.NCHW ? new long[]{8, channels, h, w} : new long[]{8, h, w, channels};
            assertTrue(8L * channels * h * w > BatchNormKernels.MAX_VALUES, "large enough to leave the Java loops");
            for (int pass = 0; pass < 2; pass++) {
                INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(2).addi(5);
                INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
                Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
                Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
                List<String> failures = new ArrayList<>();
                // the batch statistics are sums over 192,000 values per channel: float rounding alone moves them by
                // ~sqrt(N) 2^-24 = 2.6e-5 relative in either implementation (DL4J's gamma gradient is 1.5e-5 off the
                // sums in double here), and they enter every value: everything is held to 1e-4, gamma's and beta's
                // gradients against the sums in double
                check(failures, a.get("bn"), b.get("bn"), format + " output", 1e-4);
                ExternalBackprop.Backward ba = ExternalBackprop.backwardToInputs(dl4j, a, Map.of("bn", dy));
                ExternalBackprop.Backward bb = ExternalBackprop.backwardToInputs(nat, b, Map.of("bn", dy));
                check(failures, ba.inputGradients().get("input"), bb.inputGradients().get("input"), format + " input gradient", 1e-4);
                for (String key : List.of("bn_mean", "bn_var")) {
                    check(failures, ba.gradient().getGradientFor(key), bb.gradient().getGradientFor(key), format + " " + key, 1e-4);
                }
                INDArray[] exact = gammaBetaGradients(x, dy, format == CNN2DFormat.NCHW ? 1 : 3);
                check(failures, exact[0], bb.gradient().getGradientFor("bn_gamma"), format + " gamma's gradient", 1e-4);
                check(failures, exact[1], bb.gradient().getGradientFor("bn_beta"), format + " beta's gradient", 1e-4);
                assertTrue(failures.isEmpty(), String.join("\n", failures));
            }
        }
    }

    /** {@code dGamma = sum(dy * (x - mean) / sqrt(var + eps))}, {@code dBeta = sum(dy)} per channel, in double. */
    private static INDArray[] gammaBetaGradients(INDArray x, INDArray dy, int channelAxis) {
        INDArray xd = x.castTo(DataType.DOUBLE), dyd = dy.castTo(DataType.DOUBLE);
        int[] others = channelAxis == 1 ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
        long channels = x.size(channelAxis);
        long[] broadcast = channelAxis == 1 ? new long[]{1, channels, 1, 1} : new long[]{1, 1, 1, channels};
        INDArray mean = xd.mean(others).reshape(broadcast);
        INDArray centered = xd.sub(mean);
        INDArray var = centered.mul(centered).mean(others).reshape(broadcast);
        INDArray xhat = centered.div(Transforms.sqrt(var.add(ResNet.BN_EPS), false));
        return new INDArray[]{dyd.mul(xhat).sum(others), dyd.sum(others)};
    }

    private static ComputationGraph batchNorm(String implementation, CNN2DFormat format, int channels, int h, int w) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(5, DataType.FLOAT, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(h, w, channels, format));
        g.addLayer("bn", Implementations.batchNorm(implementation, ResNet.batchNorm().build()), "input");
        g.setOutputs("bn");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private record Reference(INDArray out, INDArray inputGradient, INDArray weightGradient, INDArray biasGradient) {
    }

    /** ND4J's conv2d and conv2d_bp on the layer's parameters. */
    private static Reference reference(ComputationGraph g, int[] c, CNN2DFormat format, INDArray x, INDArray eps) {
        INDArray w = g.getLayer("conv").getParam("W");
        INDArray b = c[7] == 1 ? g.getLayer("conv").getParam("b").reshape(c[4]) : null;
        int[] args = {c[0], c[0], c[1], c[1], c[2], c[2], 1, 1, 0, format == CNN2DFormat.NCHW ? 0 : 1, 1};
        INDArray out = Nd4j.create(DataType.FLOAT, eps.shape());
        DynamicCustomOp.DynamicCustomOpsBuilder fwd = DynamicCustomOp.builder("conv2d").addIntegerArguments(args);
        fwd = b == null ? fwd.addInputs(x, w) : fwd.addInputs(x, w, b);
        Nd4j.exec(fwd.addOutputs(out).build());
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray dw = Nd4j.create(DataType.FLOAT, w.shape());
        INDArray db = b == null ? null : Nd4j.create(DataType.FLOAT, c[4]);
        DynamicCustomOp.DynamicCustomOpsBuilder bp = DynamicCustomOp.builder("conv2d_bp").addIntegerArguments(args);
        bp = b == null ? bp.addInputs(x, w, eps).addOutputs(dx, dw) : bp.addInputs(x, w, b, eps).addOutputs(dx, dw, db);
        Nd4j.exec(bp.build());
        return new Reference(out, dx, dw, db);
    }

    private static void check(List<String> failures, INDArray expected, INDArray actual, String what) {
        check(failures, expected, actual, what, 1e-5);
    }

    private static void check(List<String> failures, INDArray expected, INDArray actual, String what, double relTol) {
        if (!java.util.Arrays.equals(expected.reshape(expected.length()).shape(), actual.reshape(actual.length()).shape())) {
            failures.add(what + ": length " + expected.length() + " vs " + actual.length());
            return;
        }
        double scale = expected.norm2Number().doubleValue();
        double diff = expected.reshape(expected.length()).sub(actual.reshape(actual.length())).norm2Number().doubleValue();
        if (!(scale > 0) || diff > relTol * scale) failures.add(what + ": |difference| " + diff + " vs |expected| " + scale);
    }
}
