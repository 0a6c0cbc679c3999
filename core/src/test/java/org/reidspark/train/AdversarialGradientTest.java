package org.reidspark.train;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cross-network gradient of {@link AdversarialStep}, in double precision, against central differences of the
 * composed loss: the generator's parameter gradient of {@code L_G = mean softplus(-D(G(z)))}, computed by the step
 * as the discriminator's input gradient fed back through the generator, must equal the finite differences of
 * {@code L_G} evaluated by plain forward passes of both networks; so must the input gradient itself (with respect to
 * {@code G(z)}) and the discriminator's own gradient of {@code L_D}.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class AdversarialGradientTest {
    private static final int B = 5;

    private static TrainingState state() {
        return ToyGan.state(21, DataType.DOUBLE, new NoOp(), new NoOp(), 8);
    }

    private static AdversarialStep step() {
        return new AdversarialStep(ToyGan.keysByUri(8), 0.1);
    }

    /** Copies of a gradient's arrays by "layer_param" name (the arrays are views overwritten by the next backward). */
    private static Map<String, INDArray> copies(Gradient g) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        g.gradientForVariable().forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }

    /** Checks every parameter of {@code graph} against {@code f}; returns the failures (empty when all pass). */
    private static List<String> checkAll(ComputationGraph graph, Map<String, INDArray> analytic, ToDoubleFunction<INDArray> f,
                                         List<String> checked) {
        List<String> failures = new ArrayList<>();
        for (Layer layer : graph.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                String key = name + "_" + p.getKey();
                NumericalGradient.Report rep = NumericalGradient.check(f, p.getValue(), analytic.get(key));
                checked.add(key);
                if (!rep.passed()) failures.add(key + ": " + rep);
            }
        }
        return failures;
    }

    @Test
    void generatorGradientThroughTheDiscriminatorsInputMatchesFiniteDifferencesOfTheComposedLoss() {
        TrainingState s = state();
        ComputationGraph g = s.network(ToyGan.GENERATOR);
        ComputationGraph d = s.network(ToyGan.DISCRIMINATOR);
        INDArray z = AdversarialStep.noise(3, B, DataType.DOUBLE);
        AdversarialStep.GeneratorPass pass = step().generatorPass(s, z);
        Map<String, INDArray> analytic = copies(pass.gradient());
        INDArray imageGradient = pass.imageGradient().dup();
        ToDoubleFunction<INDArray> composed = ignored ->
                AdversarialStep.meanSoftplus(AdversarialStep.logits(d, g.output(false, z)[0]).neg());
        assertEquals(composed.applyAsDouble(null), pass.loss(), 1e-12, "the step's loss is the composed loss");

        List<String> checked = new ArrayList<>();
        List<String> failures = checkAll(g, analytic, composed, checked);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(List.of("g.hidden_W", "g.hidden_b", "image_W", "image_b"), checked);
        assertTrue(analytic.get("g.hidden_W").norm2Number().doubleValue() > 1e-4,
                "the gradient reaches the generator's first layer");

        // the link between the networks: dL_G / dG(z), the discriminator's input gradient
        INDArray images = g.output(false, z)[0].dup();
        NumericalGradient.Report rep = NumericalGradient.check(
                x -> AdversarialStep.meanSoftplus(AdversarialStep.logits(d, x).neg()), images, imageGradient);
        assertTrue(rep.passed(), rep.toString());
        assertEquals((long) B * ToyGan.IMAGE_DIM, rep.checked());
    }

    @Test
    void discriminatorGradientMatchesFiniteDifferencesOfItsLoss() {
        TrainingState s = state();
        ComputationGraph g = s.network(ToyGan.GENERATOR);
        ComputationGraph d = s.network(ToyGan.DISCRIMINATOR);
        INDArray z = AdversarialStep.noise(4, B, DataType.DOUBLE);
        INDArray real = ToyGan.batch(0, 0, new long[]{0, 1, 2, 3, 4}).images().castTo(DataType.DOUBLE);
        AdversarialStep.DiscriminatorPass pass = step().discriminatorPass(s, real, z);
        Map<String, INDArray> analytic = copies(pass.gradient());
        INDArray fake = g.output(false, z)[0];
        ToDoubleFunction<INDArray> loss = ignored -> AdversarialStep.meanSoftplus(AdversarialStep.logits(d, real).neg())
                + AdversarialStep.meanSoftplus(AdversarialStep.logits(d, fake));
        assertEquals(loss.applyAsDouble(null), pass.loss(), 1e-12);
        List<String> checked = new ArrayList<>();
        List<String> failures = checkAll(d, analytic, loss, checked);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(List.of("d.hidden_W", "d.hidden_b", "logit_W", "logit_b"), checked);
    }
}
