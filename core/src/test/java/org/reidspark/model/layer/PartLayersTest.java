package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.testing.NumericalGradient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The graph layers of DCR's part locator and branches ({@link ChannelGeM}, {@link ChannelSoftmax},
 * {@link MaskedMapVertex}) against central differences in double precision, against their formulas written out
 * directly, and through a save and restore.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class PartLayersTest {
    private static final int C = 5;
    private static final int H = 4;
    private static final int W = 3;

    private static ComputationGraphConfiguration.GraphBuilder builder(InputType... inputs) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(7, DataType.DOUBLE, new NoOp(), 0));
        String[] names = new String[inputs.length];
        for (int i = 0; i < inputs.length; i++) names[i] = "in" + i;
        return g.addInputs(names).setInputTypes(inputs);
    }

    private static ComputationGraph init(ComputationGraphConfiguration.GraphBuilder g) {
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** Positive activations with a few exact zeros (below the floor, as after a ReLU). */
    private static INDArray activations(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Transforms.abs(Nd4j.randn(DataType.DOUBLE, shape)).addi(0.05);
        x.putScalar(0, 0.0);
        x.putScalar(7, 0.0);
        x.putScalar(x.length() - 2, 0.0);
        return x;
    }

    /** {@code sum(out * weights)} of a graph's one output. */
    private static double loss(ComputationGraph g, INDArray weights, INDArray... x) {
        return g.output(true, x)[0].mul(weights).sumNumber().doubleValue();
    }

    /** gated GeM (3 maps) -> channel softmax: the part locator's probabilities. */
    private static ComputationGraph locator() {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C));
        g.addLayer("gem", ChannelGeM.Builder.gated(3).initialP(2.5).build(), "in0");
        g.addLayer("softmax", new ChannelSoftmax(), "gem");
        g.setOutputs("softmax");
        return init(g);
    }

    @Test
    void gatedGemAndChannelSoftmaxMatchTheirFormulas() {
        ComputationGraph g = locator();
        INDArray x = activations(1, 2, C, H, W);
        INDArray wGates = g.getLayer("gem").getParam(ChannelGeMParams.W);
        assertEquals(2.5, g.getLayer("gem").getParam(ChannelGeMParams.P).getDouble(0));
        assertEquals(Math.sqrt(2), wGates.stdNumber().doubleValue(), 0.6, "gate logits drawn with std sqrt(2)");
        INDArray y = g.output(false, x)[0];
        assertEquals(java.util.List.of(2L, 3L, (long) H, (long) W), java.util.List.of(y.shape()[0], y.shape()[1], y.shape()[2], y.shape()[3]));
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    double[] gem = new double[3];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < 3; k++) {
                        double z = 0;
                        for (int c = 0; c < C; c++) {
                            double s = 1 / (1 + Math.exp(-wGates.getDouble(k, c)));
                            z += Math.pow(Math.max(x.getDouble(b, c, i, j), 1e-6) * s, 2.5);
                        }
                        gem[k] = Math.pow(z, 1 / 2.5);
                        max = Math.max(max, gem[k]);
                    }
                    double sum = 0;
                    for (int k = 0; k < 3; k++) sum += Math.exp(gem[k] - max);
                    for (int k = 0; k < 3; k++) assertEquals(Math.exp(gem[k] - max) / sum, y.getDouble(b, k, i, j), 1e-12);
                }
            }
        }
    }

    @Test
    void gatedGemAndChannelSoftmaxGradientsMatchCentralDifferences() {
        ComputationGraph g = locator();
        INDArray x = activations(2, 2, C, H, W);
        Nd4j.getRandom().setSeed(3);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 2, 3, H, W);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward b = ExternalBackprop.backwardToInputs(g, out, Map.of("softmax", weights));
        INDArray dW = b.gradient().getGradientFor("gem_" + ChannelGeMParams.W).dup();
        INDArray dP = b.gradient().getGradientFor("gem_" + ChannelGeMParams.P).dup();
        INDArray dx = b.inputGradient("in0");
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(g, weights, v), x, dx);
        assertTrue(rx.passed(), "input: " + rx);
        assertEquals(0.0, dx.getDouble(0), "no gradient below the floor");
        NumericalGradient.Report rw = NumericalGradient.check(v -> loss(g, weights, x), g.getLayer("gem").getParam(ChannelGeMParams.W), dW);
        assertTrue(rw.passed(), "gates: " + rw);
        NumericalGradient.Report rp = NumericalGradient.check(v -> loss(g, weights, x), g.getLayer("gem").getParam(ChannelGeMParams.P), dP);
        assertTrue(rp.passed(), "p: " + rp);
        assertTrue(Math.abs(dP.getDouble(0)) > 1e-6, "p gets a gradient");
    }

    @Test
    void ungatedGemIsTheChannelNormAndItsGradientsMatch() {
        ComputationGraphConfiguration.GraphBuilder gb = builder(InputType.convolutional(H, W, C));
        gb.addLayer("fg", ChannelGeM.Builder.ungated().build(), "in0");
        gb.setOutputs("fg");
        ComputationGraph g = init(gb);
        assertEquals(1, g.getLayer("fg").paramTable().size(), "ungated: p only");
        INDArray x = activations(4, 3, C, H, W);
        INDArray y = g.output(false, x)[0];
        for (int b = 0; b < 3; b++) {
            double z = 0;
            for (int c = 0; c < C; c++) z += Math.pow(Math.max(x.getDouble(b, c, 1, 2), 1e-6), 3);
            assertEquals(Math.cbrt(z), y.getDouble(b, 0, 1, 2), 1e-12, "the L3 norm over channels at p = 3");
        }
        Nd4j.getRandom().setSeed(5);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 3, 1, H, W);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward b = ExternalBackprop.backwardToInputs(g, out, Map.of("fg", weights));
        INDArray dP = b.gradient().getGradientFor("fg_" + ChannelGeMParams.P).dup();
        assertTrue(NumericalGradient.check(v -> loss(g, weights, v), x, b.inputGradient("in0")).passed());
        NumericalGradient.Report rp = NumericalGradient.check(v -> loss(g, weights, x), g.getLayer("fg").getParam(ChannelGeMParams.P), dP);
        assertTrue(rp.passed(), "p: " + rp);
    }

    private static ComputationGraph masked(String normalization) {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C), InputType.convolutional(H, W, 3));
        g.addVertex("masked", new MaskedMapVertex(2, normalization), "in0", "in1");
        g.setOutputs("masked");
        return init(g);
    }

    @Test
    void maskedMapWeighsTheMapByTheNormalizedChannelAndDetachesTheMask() {
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        INDArray m = Nd4j.rand(DataType.DOUBLE, 2, 3, H, W).addi(0.01);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        for (String normalization : MaskedMapVertex.NORMALIZATIONS) {
            ComputationGraph g = masked(normalization);
            INDArray y = g.output(false, x, m)[0];
            INDArray ch = m.get(NDArrayIndex.all(), NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all());
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < H; i++) {
                    for (int j = 0; j < W; j++) {
                        double norm = switch (normalization) {
                            case "height" -> ch.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(j)).sumNumber().doubleValue();
                            case "all" -> ch.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all()).sumNumber().doubleValue();
                            default -> 1.0;
                        };
                        double a = ch.getDouble(b, i, j) / norm;
                        for (int c = 0; c < C; c++) assertEquals(x.getDouble(b, c, i, j) * a, y.getDouble(b, c, i, j), 1e-12, normalization);
                    }
                }
            }
            Map<String, INDArray> out = ExternalBackprop.forward(g, x, m);
            ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("masked", weights));
            NumericalGradient.Report r = NumericalGradient.check(v -> loss(g, weights, v, m), x, back.inputGradient("in0"));
            assertTrue(r.passed(), normalization + ": " + r);
            assertEquals(0.0, back.inputGradient("in1").norm2Number().doubleValue(), "the mask is detached");
            // a detached mask, not an oversight: the function itself does depend on the mask
            INDArray m2 = m.dup();
            m2.putScalar(new long[] {0, 2, 1, 1}, m.getDouble(0, 2, 1, 1) + 0.5);
            assertTrue(Math.abs(loss(g, weights, x, m2) - loss(g, weights, x, m)) > 1e-6, normalization);
        }
    }

    @Test
    void theLayersSurviveASaveAndRestore() throws Exception {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C));
        g.addLayer("gem", ChannelGeM.Builder.gated(3).build(), "in0");
        g.addLayer("softmax", new ChannelSoftmax(), "gem");
        g.addLayer("fg", ChannelGeM.Builder.ungated().initialP(4).build(), "in0");
        g.addVertex("masked", new MaskedMapVertex(1, "height"), "in0", "softmax");
        g.setOutputs("softmax", "fg", "masked");
        ComputationGraph graph = init(g);
        INDArray x = activations(8, 2, C, H, W);
        INDArray[] before = graph.output(false, x);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graph, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(ChannelGeMLayer.class, restored.getLayer("gem"));
        assertInstanceOf(ChannelSoftmaxLayer.class, restored.getLayer("softmax"));
        assertInstanceOf(MaskedMapVertexImpl.class, restored.getVertex("masked"));
        assertEquals(graph.getLayer("fg").conf().getLayer(), restored.getLayer("fg").conf().getLayer());
        assertEquals(graph.getConfiguration().getVertices().get("masked"), restored.getConfiguration().getVertices().get("masked"));
        INDArray[] after = restored.output(false, x);
        for (int i = 0; i < before.length; i++) assertEquals(before[i], after[i]);
    }

    @Test
    void badShapesFailClearly() {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C), InputType.convolutional(H + 1, W, 3));
        g.addVertex("masked", new MaskedMapVertex(0, "all"), "in0", "in1");
        g.setOutputs("masked");
        Exception e = assertThrows(Exception.class, g::build);
        assertTrue(String.valueOf(e.getMessage()).contains("masks are"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaskedMapVertex(0, "sideways"));
        assertThrows(IllegalArgumentException.class, () -> ChannelGeM.Builder.gated(0).build());
    }
}
