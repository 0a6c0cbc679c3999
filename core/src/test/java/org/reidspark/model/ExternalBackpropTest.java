package org.reidspark.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.reidspark.loss.CenterLoss;
import org.reidspark.loss.LossConfig;
import org.reidspark.loss.ReidLosses;
import org.reidspark.loss.Targets;
import org.reidspark.loss.WeightedLoss;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.head.BNNeck;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves the external-error training path against central differences of the total loss, in double precision,
 * with BatchNorm in training mode on both sides (the loss is evaluated by the same training-mode forward pass, so
 * batch statistics are recomputed for every perturbation, as DL4J's GradientCheckUtil does by scoring with
 * training=true). BatchNorm running mean and variance are excluded: their "gradient" is the running-average step.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class ExternalBackpropTest {
    private static final int[] LABELS = {0, 0, 1, 1, 2, 2};
    /** Unbalanced labels: with balanced ones the classifier's summed error, hence BNNeck's shift gradient, is ~0. */
    private static final int[] UNBALANCED = {0, 0, 0, 1, 1, 2};
    /** Loss weights that make every term matter in the check (center loss weighted up from BoT's 5e-4). */
    private static final LossConfig LOSSES = new LossConfig("reid.bot.loss", 1.0, 0.1, 1.0, 0.3, false, 0.5, 0.5);

    /** Labels and the center loss's centers ({@code [3, dim]}, seeded). */
    private static Targets targets(int[] labels, int dim) {
        return Targets.of(labels).with(CenterLoss.CENTERS, CenterLoss.initialCenters(3, dim, 1, DataType.DOUBLE));
    }

    /** conv 3x3 (2 -> 4 channels) -> BN -> ReLU -> BNNeck head (avg pool, BN, bias-free dense), 3 classes. */
    static ComputationGraph tinyGraph(NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs("input")
                .setInputTypes(InputType.convolutional(5, 4, 2));
        g.addLayer("conv", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(4).hasBias(false)
                .activation(Activation.IDENTITY).build(), "input");
        g.addLayer("bn", ResNet.batchNorm().build(), "conv");
        g.addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn");
        BNNeck.addTo(g, "relu", 4, 3, true);
        g.setOutputs(BNNeck.OUTPUTS.toArray(new String[0]));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static INDArray images(long seed, int b, int c, int h, int w) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, b, c, h, w);
    }

    private static double loss(ComputationGraph g, INDArray x, WeightedLoss loss, Targets t) {
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.clear(g);
        return loss.compute(out, t).total();
    }

    /**
     * Checks about {@code perArray} evenly spaced elements of each parameter array {@code which} accepts; returns
     * "checked [arrays]" followed by the failures.
     */
    private static List<String> check(ComputationGraph g, INDArray x, WeightedLoss loss, Targets t, int perArray,
                                      java.util.function.Predicate<String> which) {
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        Gradient grad = ExternalBackprop.backward(g, out, loss.compute(out, t).epsilons());
        Map<String, INDArray> analytic = new java.util.LinkedHashMap<>();
        grad.gradientForVariable().forEach((k, v) -> analytic.put(k, v.dup()));
        List<String> failures = new ArrayList<>();
        List<String> arrays = new ArrayList<>();
        int checked = 0;
        for (Layer layer : g.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (p.getKey().equals("mean") || p.getKey().equals("var") || !which.test(name + "_" + p.getKey())) continue;
                INDArray a = analytic.get(name + "_" + p.getKey());
                long step = Math.max(1, p.getValue().length() / perArray);
                NumericalGradient.Report rep = NumericalGradient.check(v -> loss(g, x, loss, t), p.getValue(), a, step / 2, step);
                checked += rep.checked();
                arrays.add(name + "_" + p.getKey());
                if (!rep.passed()) failures.add(name + "_" + p.getKey() + ": " + rep);
            }
        }
        assertTrue(checked > 0);
        failures.add(0, "checked " + arrays);
        return failures;
    }

    @Test
    void tinyGraphGradientsMatchCentralDifferencesOfTheTotalLoss() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0));
        WeightedLoss loss = ReidLosses.build(LOSSES);
        Targets t = targets(LABELS, 4);
        INDArray x = images(5, LABELS.length, 2, 5, 4);
        WeightedLoss.Result r = loss.compute(ExternalBackprop.forward(g, x), t);
        ExternalBackprop.clear(g);
        assertTrue(r.terms().values().stream().allMatch(v -> v > 0), "every term active: " + r.terms());
        List<String> failures = check(g, x, loss, t, Integer.MAX_VALUE, name -> true);
        assertEquals(1, failures.size(), String.join("\n", failures));
        assertEquals("checked [conv_W, bn_gamma, bn_beta, bnneck_gamma, bnneck_beta, logits_W]", failures.get(0));
    }

    @Test
    void inputGradientMatchesCentralDifferencesAndTheParameterGradientIsUnchanged() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0));
        assertEquals(org.deeplearning4j.nn.conf.WorkspaceMode.ENABLED, g.getConfiguration().getInferenceWorkspaceMode());
        WeightedLoss loss = ReidLosses.build(LOSSES);
        Targets t = targets(LABELS, 4);
        INDArray x = images(11, LABELS.length, 2, 5, 4);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        Map<String, INDArray> eps = loss.compute(out, t).epsilons();
        ExternalBackprop.Backward b = ExternalBackprop.backwardToInputs(g, out, eps);
        INDArray params = b.gradient().gradient().dup();
        INDArray dx = b.inputGradient("input");
        assertEquals(List.of("input"), List.copyOf(b.inputGradients().keySet()));
        assertTrue(java.util.Arrays.equals(x.shape(), dx.shape()));
        assertTrue(dx.norm2Number().doubleValue() > 1e-6, "a non-trivial input gradient");
        // the workspace mode is restored, the graph's layer inputs are cleared as backward leaves them
        assertEquals(org.deeplearning4j.nn.conf.WorkspaceMode.ENABLED, g.getConfiguration().getInferenceWorkspaceMode());
        assertTrue(java.util.Arrays.stream(g.getVertices()).allMatch(v -> v.getEpsilon() == null));

        // every 9th of the 240 input elements: spread over samples, channels and pixels
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss(g, v, loss, t), x, dx, 4, 9);
        assertTrue(rep.passed(), rep.toString());
        assertEquals(27, rep.checked());

        Map<String, INDArray> again = ExternalBackprop.forward(g, x);
        INDArray plain = ExternalBackprop.backward(g, again, loss.compute(again, t).epsilons()).gradient().dup();
        assertTrue(plain.equalsWithEps(params, 1e-12), "backwardToInputs' parameter gradient is backward's");
    }

    /** Parameter arrays spread over a ResNet-18: stem, max pool path, identity and downsampling shortcuts, every stage, head. */
    private static final java.util.Set<String> RESNET_ARRAYS = java.util.Set.of("conv1_W", "layer1.1.bn2_beta",
            "layer2.0.downsample.0_W", "layer2.0.downsample.1_gamma", "layer3.0.conv2_W", "layer4.1.bn2_gamma",
            "bnneck_gamma", "logits_W");

    @Test
    void smallResNetGradientsMatchOnParameterArraysAcrossTheNetwork() {
        ModelConfig model = new ModelConfig("resnet18", 1.0 / 16, 1, 32, 16, true, "");
        ComputationGraph g = ReidNetwork.build(model, 3, new NetworkOptions(4, DataType.DOUBLE, new NoOp(), 0), null);
        WeightedLoss loss = ReidLosses.build(LOSSES);
        INDArray x = images(6, LABELS.length, 3, 32, 16);
        List<String> failures = check(g, x, loss, targets(LABELS, 32), 1, RESNET_ARRAYS::contains);
        assertEquals(1, failures.size(), String.join("\n", failures));
        for (String a : RESNET_ARRAYS) assertTrue(failures.get(0).contains(a), a + " not found: " + failures.get(0));
    }

    @Test
    void updateIsOneSgdStepWithoutBatchDivisionAndMovesRunningStatistics() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new Sgd(0.1), 0));
        WeightedLoss loss = ReidLosses.build(LOSSES);
        INDArray x = images(8, LABELS.length, 2, 5, 4);
        INDArray convBefore = g.getLayer("conv").getParam("W").dup();
        INDArray logitsBefore = g.getLayer(BNNeck.LOGITS).getParam("W").dup();
        INDArray meanBefore = g.getLayer(BNNeck.BN).getParam("mean").dup();

        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        INDArray batchMean = out.get(BNNeck.FEATURE).mean(0);
        Gradient grad = ExternalBackprop.backward(g, out, loss.compute(out, targets(UNBALANCED, 4)).epsilons());
        INDArray convGrad = grad.getGradientFor("conv_W").dup();
        INDArray logitsGrad = grad.getGradientFor(BNNeck.LOGITS + "_W").dup();
        INDArray betaGrad = grad.getGradientFor(BNNeck.BN + "_beta").dup();
        int iteration = g.getIterationCount();
        ExternalBackprop.update(g, grad);

        assertEquals(iteration + 1, g.getIterationCount());
        assertTrue(convBefore.sub(convGrad.mul(0.1)).equalsWithEps(g.getLayer("conv").getParam("W"), 1e-12), "conv W = W - lr * grad");
        assertTrue(logitsBefore.sub(logitsGrad.mul(0.1)).equalsWithEps(g.getLayer(BNNeck.LOGITS).getParam("W"), 1e-12));
        // BNNeck's shift has a non-zero gradient but is held at zero by its constraint
        assertTrue(betaGrad.norm2Number().doubleValue() > 1e-6);
        assertEquals(0, g.getLayer(BNNeck.BN).getParam("beta").norm2Number().doubleValue(), 0);
        // running mean: decay 0.9, as PyTorch's momentum 0.1
        INDArray expectedMean = meanBefore.reshape(batchMean.shape()).mul(0.9).add(batchMean.mul(0.1));
        INDArray meanAfter = g.getLayer(BNNeck.BN).getParam("mean").reshape(batchMean.shape());
        assertTrue(expectedMean.equalsWithEps(meanAfter, 1e-10), "running mean " + meanAfter + " expected " + expectedMean);
    }

    @Test
    void stepRunsForwardLossBackwardUpdate() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new Sgd(0.05), 0));
        WeightedLoss loss = ReidLosses.build(LOSSES);
        Targets t = targets(LABELS, 4);
        INDArray x = images(9, LABELS.length, 2, 5, 4);
        double first = ExternalBackprop.step(g, new INDArray[]{x}, loss.on(t));
        double last = first;
        for (int i = 0; i < 9; i++) last = ExternalBackprop.step(g, new INDArray[]{x}, loss.on(t));
        assertTrue(last < first, "loss on a fixed batch should fall: " + first + " -> " + last);
        assertEquals(10, g.getIterationCount());
    }

    @Test
    void badErrorsAreRejected() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0));
        INDArray x = images(1, 4, 2, 5, 4);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ExternalBackprop.backward(g, out, Map.of("nope", Nd4j.zeros(4, 4))));
        assertTrue(unknown.getMessage().contains("\"nope\""), unknown.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ExternalBackprop.backward(g, out, Map.of(BNNeck.LOGITS, Nd4j.zeros(4, 5))));
        assertTrue(shape.getMessage().contains("[4, 5]") && shape.getMessage().contains("[4, 3]"), shape.getMessage());
        IllegalStateException nan = assertThrows(IllegalStateException.class,
                () -> ExternalBackprop.step(g, new INDArray[]{x}, o -> new ExternalBackprop.Errors(Double.NaN, Map.of())));
        assertTrue(nan.getMessage().contains("not finite"));
        ComputationGraph withWorkspaces = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0));
        withWorkspaces.getConfiguration().setTrainingWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.ENABLED);
        IllegalStateException ws = assertThrows(IllegalStateException.class, () -> ExternalBackprop.forward(withWorkspaces, x));
        assertTrue(ws.getMessage().contains("workspace mode NONE"), ws.getMessage());
    }

    /**
     * A training pass leaves OpenBLAS's pool to the calling thread ({@link ThreadShare#settleBlasThreads}): ND4J
     * starts it with a thread per core, which then competes with OpenMP's threads in every step.
     */
    @Test
    void aTrainingPassLeavesOpenBlasToTheCallingThread() {
        ComputationGraph g = tinyGraph(new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0));
        ExternalBackprop.forward(g, images(2, 4, 2, 5, 4));
        ExternalBackprop.clear(g);
        assertEquals(1, Nd4j.factory().blas().getMaxThreads());
    }
}
