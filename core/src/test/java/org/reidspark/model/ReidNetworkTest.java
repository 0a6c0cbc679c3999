package org.reidspark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.loss.CenterLoss;
import org.reidspark.loss.LossConfig;
import org.reidspark.loss.ReidLosses;
import org.reidspark.loss.Targets;
import org.reidspark.loss.WeightedLoss;
import org.reidspark.model.head.BNNeck;
import org.reidspark.model.head.ZeroConstraint;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReidNetworkTest {
    /** The CPU test size: ResNet-18 at base width 16 on 64x32 images. */
    private static final ModelConfig SMALL = new ModelConfig("resnet18", 0.25, 1, 64, 32, true, "");
    /** Smaller still, for tests about wiring rather than size: base width 8. */
    private static final ModelConfig TINY = new ModelConfig("resnet18", 0.125, 1, 64, 32, true, "");
    private static final int[] LABELS = {0, 0, 1, 1, 2, 2, 3, 3};

    @TempDir
    Path tmp;

    private static ComputationGraph small(ModelConfig m, long seed) {
        return ReidNetwork.build(m, 4, new NetworkOptions(seed, DataType.FLOAT, new Adam(1e-3), 5e-4), null);
    }

    private static INDArray images(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, LABELS.length, 3, 64, 32);
    }

    @Test
    void outputsAreFeatureLogitsEmbeddingWithBNNeckInBetween() {
        ComputationGraph g = small(SMALL, 1);
        assertEquals(BNNeck.OUTPUTS, g.getConfiguration().getNetworkOutputs());
        INDArray[] out = g.output(false, images(2));
        assertArrayEquals(new long[]{8, 128}, out[0].shape());
        assertArrayEquals(new long[]{8, 4}, out[1].shape());
        assertArrayEquals(new long[]{8, 128}, out[2].shape());
        // inference: embedding = gamma * (feature - running mean) / sqrt(running var + eps) + beta
        var bn = g.getLayer(BNNeck.BN);
        INDArray expected = out[0].subRowVector(bn.getParam("mean").reshape(1, 128))
                .diviRowVector(Transforms.sqrt(bn.getParam("var").reshape(1, 128).add(1e-5)))
                .muliRowVector(bn.getParam("gamma").reshape(1, 128)).addiRowVector(bn.getParam("beta").reshape(1, 128));
        assertTrue(expected.equalsWithEps(out[2], 1e-4), "embedding = BN(feature)");
        // logits: bias-free linear map of the embedding
        assertEquals(List.of("W"), List.copyOf(g.getLayer(BNNeck.LOGITS).paramTable().keySet()));
        assertTrue(out[2].mmul(g.getLayer(BNNeck.LOGITS).getParam("W")).equalsWithEps(out[1], 1e-4));
    }

    @Test
    void withoutBNNeckTheClassifierHasABiasAndTheEmbeddingIsThePooledFeature() {
        ComputationGraph g = small(new ModelConfig("resnet18", 0.125, 1, 64, 32, false, ""), 1);
        assertFalse(g.getConfiguration().getVertices().containsKey(BNNeck.BN));
        assertEquals(List.of("W", "b"), List.copyOf(g.getLayer(BNNeck.LOGITS).paramTable().keySet()));
        INDArray[] out = g.output(false, images(3));
        assertTrue(out[0].equalsWithEps(out[2], 0));
    }

    @Test
    void embedIsUnitLength() {
        ComputationGraph g = small(TINY, 1);
        INDArray e = ReidNetwork.embed(g, images(4));
        assertArrayEquals(new long[]{8, 64}, e.shape());
        for (double n : e.norm2(1).toDoubleVector()) assertEquals(1.0, n, 1e-5);
        INDArray raw = g.output(false, images(4))[2];
        // same direction as the raw embedding
        assertTrue(ReidNetwork.l2Normalize(raw).equalsWithEps(e, 1e-6));
        // the native layers' first pass, here an inference one, leaves OpenBLAS's pool to the calling thread
        assertEquals(1, Nd4j.factory().blas().getMaxThreads());
    }

    @Test
    void smallNetworkTrainsOnAFixedBatchAndKeepsTheShiftAtZero() {
        ComputationGraph g = small(SMALL, 7);
        WeightedLoss loss = ReidLosses.build(new LossConfig("reid.bot.loss", 1.0, 0.1, 1.0, 0.3, false, 5e-4, 0.5));
        Targets t = Targets.of(LABELS).with(CenterLoss.CENTERS, CenterLoss.initialCenters(4, 128, 1, DataType.FLOAT));
        INDArray x = images(5);
        INDArray gammaBefore = g.getLayer(BNNeck.BN).getParam("gamma").dup();
        double first = ExternalBackprop.step(g, new INDArray[]{x}, loss.on(t));
        double last = first;
        for (int i = 0; i < 3; i++) last = ExternalBackprop.step(g, new INDArray[]{x}, loss.on(t));
        assertTrue(last < first, "loss should fall on a fixed batch: " + first + " -> " + last);
        assertEquals(0, g.getLayer(BNNeck.BN).getParam("beta").norm2Number().doubleValue(), 0);
        assertFalse(gammaBefore.equalsWithEps(g.getLayer(BNNeck.BN).getParam("gamma"), 1e-7), "BNNeck's scale is learned");
    }

    @Test
    void saveAndRestoreKeepsOutputsAndTheShiftConstraint() throws Exception {
        ComputationGraph g = small(TINY, 3);
        WeightedLoss loss = ReidLosses.build(new LossConfig("reid.bot.loss", 1.0, 0.1, 1.0, 0.3, false, 5e-4, 0.5));
        Targets t = Targets.of(LABELS).with(CenterLoss.CENTERS, CenterLoss.initialCenters(4, 64, 1, DataType.FLOAT));
        ExternalBackprop.step(g, new INDArray[]{images(6)}, loss.on(t));
        File f = tmp.resolve("net.zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        INDArray x = images(7);
        INDArray[] a = g.output(false, x);
        INDArray[] b = r.output(false, x);
        for (int i = 0; i < 3; i++) assertTrue(a[i].equalsWithEps(b[i], 1e-6), "output " + i);
        var constraints = r.getLayer(BNNeck.BN).conf().getLayer().getConstraints();
        assertEquals(1, constraints.size());
        assertTrue(constraints.get(0) instanceof ZeroConstraint);
        assertEquals(java.util.Set.of("beta"), constraints.get(0).getParams());
        // the restored graph trains on the external path too
        Map<String, INDArray> out = ExternalBackprop.forward(r, images(8));
        ExternalBackprop.update(r, ExternalBackprop.backward(r, out, loss.compute(out, t).epsilons()));
        assertEquals(0, r.getLayer(BNNeck.BN).getParam("beta").norm2Number().doubleValue(), 0);
    }
}
