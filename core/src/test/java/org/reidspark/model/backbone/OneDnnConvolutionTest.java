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
 * {@link NativeConvolutionLayer} in float, where it calls oneDNN's primitives directly ({@link OneDnnConvolution}),
 * against ND4J's {@code conv2d} / {@code conv2d_bp} on the same arrays: the path the layer takes in double, which
 * {@code NativeLayersTest} checks against central differences. Every kind of convolution the backbones and DG-Net's
 * generator use, in both layouts (channels-first 1x1 kernels run on the caller's arrays, larger kernels through
 * oneDNN's blocked layouts and back; channels-last runs on the caller's arrays), odd sizes where a stride drops the
 * last row, with and without bias; the output, the input's gradient and the parameters' gradients.
 */
class OneDnnConvolutionTest {

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
        assertTrue(OneDnnConvolution.enabled(), "ND4J's CPU backend here: the layer takes oneDNN's path in float");
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
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** An input that is a view (a permutation, not dense) is copied, not read as if dense. */
    @Test
    void nonDenseInputIsCopiedFirst() {
        int[] c = CASES[1];
        ComputationGraph g = conv(c, CNN2DFormat.NCHW);
        INDArray dense = Nd4j.randn(DataType.FLOAT, 2, c[3], c[5], c[6]);
        INDArray view = dense.permute(0, 1, 3, 2).dup('c').permute(0, 1, 3, 2);
        assertEquals(dense, view);
        assertTrue(!OneDnnConvolution.isDense(view) && OneDnnConvolution.isDense(dense));
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
        if (!java.util.Arrays.equals(expected.reshape(expected.length()).shape(), actual.reshape(actual.length()).shape())) {
            failures.add(what + ": length " + expected.length() + " vs " + actual.length());
            return;
        }
        double scale = expected.norm2Number().doubleValue();
        double diff = expected.reshape(expected.length()).sub(actual.reshape(actual.length())).norm2Number().doubleValue();
        if (!(scale > 0) || diff > 1e-5 * scale) failures.add(what + ": |difference| " + diff + " vs |expected| " + scale);
    }
}
