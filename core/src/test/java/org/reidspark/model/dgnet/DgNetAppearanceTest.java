package org.reidspark.model.dgnet;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's appearance encoder: the appearance code is the backbone's map max-pooled in four stripes and flattened
 * channel-major as the official {@code f.view(N, -1)}; the heads' dropout acts on the classifier only, in training
 * only; every head parameter against central differences in double precision, with the backbone below it.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class DgNetAppearanceTest {
    /** ResNet-18 at width 0.125, 64x32 input, last stride 1: a 4x2 map of 64 channels. */
    private static ModelConfig tiny() {
        return new ModelConfig("resnet18", 0.125, 1, 64, 32, false, "");
    }

    private static ComputationGraph init(double primaryDropout, double fineDropout, DataType type) {
        ComputationGraph g = new ComputationGraph(DgNetAppearance.of(tiny(), 3, 4, primaryDropout, fineDropout,
                new NetworkOptions(9, type, new NoOp(), 0)));
        g.init();
        return g;
    }

    @Test
    void theAppearanceCodeIsTheStripeMaximaChannelMajor() {
        ComputationGraph g = init(DgNetAppearance.PRIMARY_DROPOUT, DgNetAppearance.FINE_DROPOUT, DataType.FLOAT);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 32);
        Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, false, false);
        String mapName = g.getConfiguration().getVertexInputs().get("partpool").get(0);
        INDArray map = acts.get(mapName);
        assertArrayEquals(new long[]{2, 64, 4, 2}, map.shape());
        INDArray code = acts.get(DgNetAppearance.APPEARANCE);
        assertArrayEquals(new long[]{2, 256}, code.shape());
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 64; c++) {
                for (int p = 0; p < 4; p++) {
                    double max = Math.max(map.getDouble(b, c, p, 0), map.getDouble(b, c, p, 1)); // one row per stripe
                    assertEquals(max, code.getDouble(b, c * 4 + p), 1e-6, "sample " + b + " channel " + c + " stripe " + p);
                }
            }
        }
        assertArrayEquals(new long[]{2, 4}, acts.get(DgNetAppearance.feature(DgNetAppearance.PRIMARY)).shape());
        assertArrayEquals(new long[]{2, 3}, acts.get(DgNetAppearance.logits(DgNetAppearance.FINE)).shape());
        assertThrows(IllegalArgumentException.class, () -> DgNetAppearance.of(new ModelConfig("resnet18", 0.125, 1, 48, 32, false, ""), 3, 4, 0.5, 0.75, new NetworkOptions(1, DataType.FLOAT, new NoOp(), 0)), "a 3-row map has no 4 stripes");
    }

    @Test
    void dropoutActsOnTheClassifiersInTrainingOnly() {
        ComputationGraph g = init(DgNetAppearance.PRIMARY_DROPOUT, DgNetAppearance.FINE_DROPOUT, DataType.FLOAT);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 64, 32);
        INDArray[] a = g.output(false, x);
        INDArray[] b = g.output(false, x);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], "inference is deterministic: " + DgNetAppearance.outputs().get(i));
        Map<String, INDArray> t1 = ExternalBackprop.forward(g, x); // training mode, as the step runs it
        ExternalBackprop.clear(g);
        Map<String, INDArray> t2 = ExternalBackprop.forward(g, x);
        ExternalBackprop.clear(g);
        String logits = DgNetAppearance.logits(DgNetAppearance.PRIMARY);
        String feature = DgNetAppearance.feature(DgNetAppearance.PRIMARY);
        assertFalse(t1.get(logits).equalsWithEps(t2.get(logits), 1e-7), "training: another dropout mask, other logits");
        assertEquals(t1.get(feature), t2.get(feature), "the feature is taken before the dropout");
    }

    @Test
    void headGradientsMatchCentralDifferences() {
        ComputationGraph g = init(0, 0, DataType.DOUBLE); // no dropout: a deterministic loss
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 3, 64, 32);
        Map<String, INDArray> weights = new HashMap<>();
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        for (String name : DgNetAppearance.outputs()) weights.put(name, Nd4j.randn(DataType.DOUBLE, out.get(name).shape()));
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, weights);
        Map<String, INDArray> analytic = new HashMap<>();
        back.gradient().gradientForVariable().forEach((k, v) -> analytic.put(k, v.dup()));
        INDArray dx = back.inputGradient(DgNetAppearance.INPUT).dup();
        List<String> checked = new ArrayList<>();
        for (Layer layer : g.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (!name.startsWith(DgNetAppearance.PRIMARY) && !name.startsWith(DgNetAppearance.FINE)) continue;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (p.getKey().equals("mean") || p.getKey().equals("var")) continue; // running averages, no gradient
                long step = Math.max(1, p.getValue().length() / 40); // about 40 elements of each array, spread over it
                NumericalGradient.Report r = NumericalGradient.check(v -> loss(g, weights, x), p.getValue(),
                        analytic.get(name + "_" + p.getKey()), step / 2, step);
                assertTrue(r.passed(), name + "_" + p.getKey() + ": " + r);
                checked.add(name + "_" + p.getKey());
            }
        }
        assertEquals(new java.util.TreeSet<>(List.of("primary_bottleneck_W", "primary_bottleneck_b", "primary_bn_gamma",
                "primary_bn_beta", "primary_logits_W", "primary_logits_b", "fine_bottleneck_W", "fine_bottleneck_b",
                "fine_bn_gamma", "fine_bn_beta", "fine_logits_W", "fine_logits_b")), new java.util.TreeSet<>(checked));
        // the input's gradient through the whole ResNet meets ReLU kinks within a central difference's step (a few of
        // 800 elements off by 5e-5); the backbone's gradients are checked layer by layer in NativeLayersTest and
        // ExternalBackpropTest, and Ea adds no layer of its own (DL4J's pooling, flattening and dense layers)
        assertTrue(dx.norm2Number().doubleValue() > 0, "a gradient reaches the image");
    }

    private static double loss(ComputationGraph g, Map<String, INDArray> weights, INDArray x) {
        INDArray[] out = g.output(true, x);
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += out[i].mul(weights.get(DgNetAppearance.outputs().get(i))).sumNumber().doubleValue();
        return sum;
    }
}
