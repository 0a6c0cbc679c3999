package org.reidspark.model.norm;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.testing.NumericalGradient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's normalization and padding layers ({@link InstanceNorm}, {@link AdaptiveInstanceNormVertex},
 * {@link MapLayerNorm}, {@link ReflectionPad})
 * against their formulas written out directly (the official code's definitions), against central differences in
 * double precision for every input and parameter, and through a save and restore.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class NormLayersTest {
    private static final int B = 2;
    private static final int C = 3;
    private static final int H = 4;
    private static final int W = 3;
    private static final double EPS = 1e-5;

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

    private static INDArray map(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, B, C, H, W).muli(1.5).addi(0.3);
    }

    private static double loss(ComputationGraph g, INDArray weights, INDArray... x) {
        return g.output(true, x)[0].mul(weights).sumNumber().doubleValue();
    }

    private static INDArray weights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, B, C, H, W);
    }

    /** {@code (x - mean) / sqrt(var + eps)} over the positions of sample b, channel c, with the biased variance. */
    private static double instanceNormalized(INDArray x, int b, int c, int i, int j) {
        double mean = 0;
        for (int p = 0; p < H; p++) for (int q = 0; q < W; q++) mean += x.getDouble(b, c, p, q);
        mean /= H * W;
        double var = 0;
        for (int p = 0; p < H; p++) for (int q = 0; q < W; q++) var += Math.pow(x.getDouble(b, c, p, q) - mean, 2);
        var /= H * W;
        return (x.getDouble(b, c, i, j) - mean) / Math.sqrt(var + EPS);
    }

    private static ComputationGraph instanceNorm() {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C));
        g.addLayer("in", new InstanceNorm(), "in0");
        g.setOutputs("in");
        return init(g);
    }

    @Test
    void instanceNormMatchesItsFormulaAndCentralDifferences() {
        ComputationGraph g = instanceNorm();
        INDArray x = map(1);
        INDArray y = g.output(false, x)[0];
        for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) {
            assertEquals(instanceNormalized(x, b, c, i, j), y.getDouble(b, c, i, j), 1e-12);
        }
        INDArray wts = weights(2);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("in", wts));
        NumericalGradient.Report r = NumericalGradient.check(v -> loss(g, wts, v), x, back.inputGradient("in0"));
        assertTrue(r.passed(), "input: " + r);
    }

    private static ComputationGraph adain() {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C), InputType.feedForward(C),
                InputType.feedForward(C));
        g.addVertex("adain", new AdaptiveInstanceNormVertex(), "in0", "in1", "in2");
        g.setOutputs("adain");
        return init(g);
    }

    @Test
    void adaptiveInstanceNormMatchesItsFormulaAndCentralDifferences() {
        ComputationGraph g = adain();
        INDArray x = map(3);
        Nd4j.getRandom().setSeed(4);
        INDArray scale = Nd4j.randn(DataType.DOUBLE, B, C);
        INDArray shift = Nd4j.randn(DataType.DOUBLE, B, C);
        INDArray y = g.output(false, x, scale, shift)[0];
        for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) {
            double expected = instanceNormalized(x, b, c, i, j) * scale.getDouble(b, c) + shift.getDouble(b, c);
            assertEquals(expected, y.getDouble(b, c, i, j), 1e-12, "xhat * w + b, no +1 on the scale");
        }
        INDArray wts = weights(5);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x, scale, shift);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("adain", wts));
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(g, wts, v, scale, shift), x, back.inputGradient("in0"));
        assertTrue(rx.passed(), "map: " + rx);
        NumericalGradient.Report rw = NumericalGradient.check(v -> loss(g, wts, x, v, shift), scale, back.inputGradient("in1"));
        assertTrue(rw.passed(), "scales: " + rw);
        NumericalGradient.Report rb = NumericalGradient.check(v -> loss(g, wts, x, scale, v), shift, back.inputGradient("in2"));
        assertTrue(rb.passed(), "shifts: " + rb);
        assertThrows(IllegalArgumentException.class, () -> g.output(false, x, Nd4j.ones(DataType.DOUBLE, B, C + 1), shift));
    }

    private static ComputationGraph layerNorm() {
        ComputationGraphConfiguration.GraphBuilder g = builder(InputType.convolutional(H, W, C));
        g.addLayer("ln", new MapLayerNorm.Builder().build(), "in0");
        g.setOutputs("ln");
        return init(g);
    }

    @Test
    void mapLayerNormMatchesTheOfficialFormulaAndCentralDifferences() throws Exception {
        ComputationGraph g = layerNorm();
        INDArray gamma = g.getLayer("ln").getParam(MapLayerNormParams.GAMMA);
        INDArray beta = g.getLayer("ln").getParam(MapLayerNormParams.BETA);
        assertEquals(C, gamma.length());
        assertTrue(gamma.minNumber().doubleValue() >= 0 && gamma.maxNumber().doubleValue() < 1, "gamma ~ U[0, 1): " + gamma);
        assertEquals(0.0, beta.sumNumber().doubleValue(), "beta starts at 0");
        beta.assign(Nd4j.createFromArray(0.1, -0.2, 0.3).reshape(1, C));
        INDArray x = map(6);
        INDArray y = g.output(false, x)[0];
        int n = C * H * W;
        for (int b = 0; b < B; b++) {
            double mean = 0;
            for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) mean += x.getDouble(b, c, i, j);
            mean /= n;
            double ss = 0;
            for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) ss += Math.pow(x.getDouble(b, c, i, j) - mean, 2);
            double std = Math.sqrt(ss / (n - 1)); // unbiased, as torch's x.std()
            for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) {
                double expected = (x.getDouble(b, c, i, j) - mean) / (std + EPS) * gamma.getDouble(c) + beta.getDouble(c);
                assertEquals(expected, y.getDouble(b, c, i, j), 1e-12);
            }
        }
        INDArray wts = weights(7);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("ln", wts));
        INDArray dGamma = back.gradient().getGradientFor("ln_" + MapLayerNormParams.GAMMA).dup();
        INDArray dBeta = back.gradient().getGradientFor("ln_" + MapLayerNormParams.BETA).dup();
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(g, wts, v), x, back.inputGradient("in0"));
        assertTrue(rx.passed(), "input: " + rx);
        NumericalGradient.Report rg = NumericalGradient.check(v -> loss(g, wts, x), gamma, dGamma);
        assertTrue(rg.passed(), "gamma: " + rg);
        NumericalGradient.Report rb = NumericalGradient.check(v -> loss(g, wts, x), beta, dBeta);
        assertTrue(rb.passed(), "beta: " + rb);

        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, saved, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(saved.toByteArray()), false);
        assertEquals(y, restored.output(false, x)[0], "the same layer after a save and restore");
    }

    @Test
    void reflectionPaddingMirrorsWithoutTheEdgeAndItsGradientMatches() {
        ComputationGraphConfiguration.GraphBuilder gb = builder(InputType.convolutional(H, W, C));
        gb.addLayer("pad", new ReflectionPad(2), "in0");
        gb.setOutputs("pad");
        ComputationGraph g = init(gb);
        INDArray x = map(9);
        INDArray y = g.output(false, x)[0];
        assertEquals(java.util.List.of((long) B, (long) C, H + 4L, W + 4L), java.util.Arrays.stream(y.shape()).boxed().toList());
        // PyTorch's ReflectionPad2d(2) on rows 0..3 gives rows 2 1 | 0 1 2 3 | 2 1, on columns 0..2: 2 1 | 0 1 2 | 1 0
        int[] rows = {2, 1, 0, 1, 2, 3, 2, 1};
        int[] cols = {2, 1, 0, 1, 2, 1, 0};
        for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int i = 0; i < rows.length; i++) for (int j = 0; j < cols.length; j++) {
            assertEquals(x.getDouble(b, c, rows[i], cols[j]), y.getDouble(b, c, i, j), 0.0);
        }
        Nd4j.getRandom().setSeed(10);
        INDArray wts = Nd4j.randn(DataType.DOUBLE, B, C, H + 4, W + 4);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("pad", wts));
        NumericalGradient.Report r = NumericalGradient.check(v -> loss(g, wts, v), x, back.inputGradient("in0"));
        assertTrue(r.passed(), "input: " + r);
        ComputationGraphConfiguration.GraphBuilder tooMuch = builder(InputType.convolutional(H, W, C));
        tooMuch.addLayer("pad", new ReflectionPad(3), "in0");
        tooMuch.setOutputs("pad");
        assertThrows(IllegalArgumentException.class, tooMuch::build, "padding 3 on a map 3 wide");
    }

    @Test
    void instanceNormAndAdaInSurviveASaveAndRestore() throws Exception {
        ComputationGraphConfiguration.GraphBuilder padded = builder(InputType.convolutional(H, W, C));
        padded.addLayer("pad", new ReflectionPad(1), "in0");
        padded.setOutputs("pad");
        for (ComputationGraph g : new ComputationGraph[]{instanceNorm(), adain(), init(padded)}) {
            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            ModelSerializer.writeModel(g, saved, false);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(saved.toByteArray()), false);
            INDArray x = map(8);
            INDArray[] in = g.getNumInputArrays() == 1 ? new INDArray[]{x}
                    : new INDArray[]{x, Nd4j.rand(DataType.DOUBLE, B, C), Nd4j.rand(DataType.DOUBLE, B, C)};
            INDArray before = g.output(false, in)[0];
            // a graph without parameters restores in float (DL4J takes the type from the saved parameters)
            INDArray after = restored.output(false, in)[0].castTo(DataType.DOUBLE);
            assertTrue(before.equalsWithEps(after, 1e-5), "before " + before + "\nafter " + after);
        }
    }
}
