package org.reidspark.model.head;

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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cosine classifier layer in a graph of its own, in double: outputs are the cosines of the definition; the
 * hand-written backward pass (input and weight gradients) matches central differences, and a gradient off by 1% fails
 * the same check; it saves and restores as itself.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class CosineClassifierTest {
    private static final int D = 5;
    private static final int K = 4;

    private static ComputationGraph alone() {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(5, DataType.DOUBLE, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.feedForward(D));
        g.addLayer("cos", new CosineClassifier(D, K), "input");
        g.setOutputs("cos");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static INDArray input() {
        Nd4j.getRandom().setSeed(11);
        return Nd4j.randn(DataType.DOUBLE, 3, D).muli(2);
    }

    /** The loss the checks differentiate: a fixed weighting of the outputs. */
    private static double loss(ComputationGraph g, INDArray x, INDArray w) {
        return g.output(true, x)[0].mul(w).sumNumber().doubleValue();
    }

    @Test
    void outputsAreCosinesOfFeaturesAndClassWeights() {
        ComputationGraph g = alone();
        assertInstanceOf(CosineClassifierLayer.class, g.getLayer("cos"));
        assertEquals(D * K, g.numParams(), "no bias");
        INDArray x = input();
        INDArray w = g.getParam("cos_W");
        INDArray y = g.output(false, x)[0];
        for (int i = 0; i < x.size(0); i++) {
            for (int k = 0; k < K; k++) {
                double dot = 0, nx = 0, nw = 0;
                for (int d = 0; d < D; d++) {
                    dot += x.getDouble(i, d) * w.getDouble(d, k);
                    nx += x.getDouble(i, d) * x.getDouble(i, d);
                    nw += w.getDouble(d, k) * w.getDouble(d, k);
                }
                assertEquals(dot / Math.sqrt(nx * nw), y.getDouble(i, k), 1e-12, "row " + i + ", class " + k);
            }
        }
        // scaling a feature or a class's weights changes nothing
        assertTrue(y.equalsWithEps(g.output(false, x.mul(7.5))[0], 1e-12));
    }

    @Test
    void inputGradientMatchesCentralDifferencesAndAOnePercentErrorFails() {
        ComputationGraph g = alone();
        INDArray x = input();
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, K);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        INDArray dx = ExternalBackprop.backwardToInputs(g, out, Map.of("cos", w)).inputGradient("input");
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss(g, v, w), x, dx);
        assertTrue(rep.passed(), rep.toString());
        NumericalGradient.Report off = NumericalGradient.check(v -> loss(g, v, w), x, dx.mul(1.01));
        assertFalse(off.passed(), "a 1% error must fail: " + off);
    }

    @Test
    void weightGradientMatchesCentralDifferencesAndAOnePercentErrorFails() {
        ComputationGraph g = alone();
        INDArray x = input();
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, K);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        INDArray dW = ExternalBackprop.backward(g, out, Map.of("cos", w)).getGradientFor("cos_W").dup();
        INDArray param = g.getParam("cos_W");
        NumericalGradient.Report rep = NumericalGradient.check(v -> loss(g, x, w), param, dW);
        assertTrue(rep.passed(), rep.toString());
        NumericalGradient.Report off = NumericalGradient.check(v -> loss(g, x, w), param, dW.mul(1.01));
        assertFalse(off.passed(), "a 1% error must fail: " + off);
    }

    @Test
    void savesAndRestoresAsItself() throws Exception {
        ComputationGraph g = alone();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(CosineClassifierLayer.class, back.getLayer("cos"));
        INDArray x = input();
        assertEquals(g.output(false, x)[0], back.output(false, x)[0]);
    }

    @Test
    void needsTwoClassesAndTheRightWidth() {
        assertThrows(IllegalArgumentException.class, () -> new CosineClassifier(D, 1));
        ComputationGraph g = alone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.output(false, Nd4j.zeros(DataType.DOUBLE, 2, D + 1)));
        assertTrue(e.getMessage().contains("[batch, " + D + "]") || e.getMessage().contains("input"), e.getMessage());
    }
}
