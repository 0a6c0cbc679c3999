package org.reidspark.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingStateTest {
    static ComputationGraph tinyNet(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(5).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static void fitOnce(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(8, 4);
        INDArray y = Nd4j.zeros(8, 3);
        for (int i = 0; i < 8; i++) y.putScalar(i, i % 3, 1.0);
        g.fit(new INDArray[]{x}, new INDArray[]{y});
    }

    static TrainingState state(long seed) {
        TrainingState s = new TrainingState(new NetworkSet().put("net", tinyNet(seed)));
        s.putAux("centers", new DenseState(Nd4j.rand(3, 2), MergeRule.AVERAGE));
        s.putAux("teacher", new DenseState(Nd4j.rand(2, 2), MergeRule.FROZEN));
        s.putAux("bank", new KeyedState(new long[]{10, 20, 30}, Nd4j.zeros(3, 2)));
        return s;
    }

    @Test
    void roundTripKeepsParametersOptimizerStateAuxAndPosition() throws Exception {
        TrainingState s = state(1);
        fitOnce(s.network("net"), 5);
        s.keyed("bank").put(20, Nd4j.createFromArray(1f, 2f));
        s.setPosition(3, 17);
        TrainingState r = TrainingState.read(new ByteArrayInputStream(s.toBytes()));
        assertEquals(s.network("net").params(), r.network("net").params());
        assertEquals(s.network("net").getUpdater().getStateViewArray(), r.network("net").getUpdater().getStateViewArray());
        assertEquals(s.dense("centers").value(), r.dense("centers").value());
        assertEquals(MergeRule.FROZEN, r.dense("teacher").rule());
        assertEquals(s.keyed("bank").rows(), r.keyed("bank").rows());
        assertTrue(r.keyed("bank").touched(1));
        assertFalse(r.keyed("bank").touched(0));
        assertEquals(3, r.epoch());
        assertEquals(17, r.iteration());
        // the restored state continues training exactly like the original
        fitOnce(s.network("net"), 9);
        fitOnce(r.network("net"), 9);
        assertEquals(s.network("net").params(), r.network("net").params());
    }

    @Test
    void readsAStateThatVersion3Wrote() throws Exception {
        // state-v3.bin: written by main 223fcfb (networks as ModelSerializer zips) from this state, made the same way
        byte[] v3 = TrainingStateTest.class.getResourceAsStream("state-v3.bin").readAllBytes();
        assertEquals(3, java.nio.ByteBuffer.wrap(v3).getInt(4), "the fixture's format version");
        TrainingState r = TrainingState.read(new ByteArrayInputStream(v3));
        Nd4j.getRandom().setSeed(42);
        TrainingState s = state(1);
        fitOnce(s.network("net"), 5);
        s.keyed("bank").put(20, Nd4j.createFromArray(1f, 2f));
        assertTrue(s.network("net").params().equalsWithEps(r.network("net").params(), 1e-6));
        assertTrue(s.network("net").getUpdater().getStateViewArray().equalsWithEps(r.network("net").getUpdater().getStateViewArray(), 1e-6));
        assertEquals(s.network("net").getConfiguration().getIterationCount(), r.network("net").getConfiguration().getIterationCount());
        assertTrue(s.dense("centers").value().equalsWithEps(r.dense("centers").value(), 1e-6));
        assertEquals(s.keyed("bank").rows(), r.keyed("bank").rows());
        assertEquals(3, r.epoch());
        assertEquals(17, r.iteration());
        // written again (now without a zip) it reads back the same, and trains on as the original does
        byte[] v4 = r.toBytes();
        assertEquals(4, java.nio.ByteBuffer.wrap(v4).getInt(4));
        TrainingState again = TrainingState.read(new ByteArrayInputStream(v4));
        assertEquals(r.network("net").params(), again.network("net").params());
        assertEquals(r.network("net").getUpdater().getStateViewArray(), again.network("net").getUpdater().getStateViewArray());
        fitOnce(r.network("net"), 9);
        fitOnce(again.network("net"), 9);
        assertEquals(r.network("net").params(), again.network("net").params());
    }

    @Test
    void aDoublePrecisionNetworkRoundTrips() throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d1")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 8, 4);
        INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 8, 3);
        for (int i = 0; i < 8; i++) y.putScalar(i, i % 3, 1.0);
        g.fit(new INDArray[]{x}, new INDArray[]{y});
        TrainingState r = TrainingState.read(new ByteArrayInputStream(new TrainingState(new NetworkSet().put("net", g)).toBytes()));
        ComputationGraph back = r.network("net");
        assertEquals(org.nd4j.linalg.api.buffer.DataType.DOUBLE, back.params().dataType());
        assertEquals(g.params(), back.params());
        assertEquals(g.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        g.fit(new INDArray[]{x}, new INDArray[]{y});
        back.fit(new INDArray[]{x}, new INDArray[]{y});
        assertEquals(g.params(), back.params());
    }

    @Test
    void aNetworkWithoutItsOptimizerStateGivesTheSameOutputs() throws Exception {
        ComputationGraph g = tinyNet(4);
        fitOnce(g, 6);
        ComputationGraph back = NetworkBytes.fromBytes(NetworkBytes.toBytes(g, false));
        assertEquals(g.params(), back.params());
        assertEquals(g.getConfiguration().getIterationCount(), back.getConfiguration().getIterationCount());
        INDArray x = Nd4j.rand(5, 4);
        assertEquals(g.outputSingle(false, x), back.outputSingle(false, x));
        assertFalse(g.getUpdater().getStateViewArray().equals(back.getUpdater().getStateViewArray()),
                "the optimizer state stays behind: the restored graph's is a fresh one");
    }

    @Test
    void badStreamIsAClearError() {
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> TrainingState.read(new ByteArrayInputStream(new byte[]{1, 2, 3, 4, 5, 6, 7, 8})));
        assertTrue(e.getMessage().contains("not a reid-spark training state"), e.getMessage());
    }

    @Test
    void mergeFollowsEachComponentsRule() {
        TrainingState base = state(1);
        TrainingState w1 = base.copy();
        TrainingState w2 = base.copy();
        fitOnce(w1.network("net"), 11);
        fitOnce(w2.network("net"), 12);
        w1.dense("centers").value().addi(1.0);
        w2.dense("centers").value().addi(3.0);
        w1.dense("teacher").value().addi(100.0); // frozen: must not leak into the merge
        w1.keyed("bank").put(10, Nd4j.createFromArray(2f, 2f));
        w2.keyed("bank").put(10, Nd4j.createFromArray(4f, 6f));
        w2.keyed("bank").put(30, Nd4j.createFromArray(7f, 7f));
        w1.setPosition(0, 5);
        w2.setPosition(0, 5);

        INDArray expectParams = w1.network("net").params().add(w2.network("net").params()).div(2);
        INDArray expectUpdater = w1.network("net").getUpdater().getStateViewArray()
                .add(w2.network("net").getUpdater().getStateViewArray()).div(2);
        INDArray expectCenters = base.dense("centers").value().add(2.0);
        INDArray teacher = base.dense("teacher").value().dup();

        // pairwise combination, as treeAggregate does
        MergeAccumulator a = new MergeAccumulator().add(w1);
        MergeAccumulator b = new MergeAccumulator().add(w2);
        a.combine(b).applyTo(base);

        assertEquals(2, a.count());
        assertTrue(expectParams.equalsWithEps(base.network("net").params(), 1e-6));
        assertTrue(expectUpdater.equalsWithEps(base.network("net").getUpdater().getStateViewArray(), 1e-6));
        assertTrue(expectCenters.equalsWithEps(base.dense("centers").value(), 1e-6));
        assertEquals(teacher, base.dense("teacher").value());
        assertArrayEquals(new float[]{3f, 4f}, base.keyed("bank").row(10).toFloatVector(), 1e-6f);
        assertArrayEquals(new float[]{0f, 0f}, base.keyed("bank").row(20).toFloatVector(), 1e-6f);
        assertArrayEquals(new float[]{7f, 7f}, base.keyed("bank").row(30).toFloatVector(), 1e-6f);
        assertFalse(base.keyed("bank").touched(0), "touched marks are cleared for the next round");
        assertEquals(5, base.iteration());
    }

    @Test
    void mergingNothingIsAnError() {
        assertThrows(IllegalStateException.class, () -> new MergeAccumulator().applyTo(state(1)));
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LrSchedule bot = new LrSchedule("warmup-multistep", 10, 0.01, List.of(40, 70), 0.1, 0.0);
        assertEquals(0.01, bot.factor(0, 120), 1e-12);
        assertEquals(0.01 * 0.5 + 0.5, bot.factor(5, 120), 1e-12);
        assertEquals(1.0, bot.factor(10, 120), 1e-12);
        assertEquals(1.0, bot.factor(39, 120), 1e-12);
        assertEquals(0.1, bot.factor(40, 120), 1e-12);
        assertEquals(0.01, bot.factor(70, 120), 1e-12);
        LrSchedule cos = new LrSchedule("warmup-cosine", 2, 0.1, List.of(), 0.1, 0.0);
        assertEquals(1.0, cos.factor(2, 12), 1e-12);
        assertEquals(0.5, cos.factor(7, 12), 1e-12);
        assertEquals(0.0, cos.factor(12, 12), 1e-12);
        // DCR's recipe: warm-up 15, base rate until 35, cosine to 70 (fast-reid's DELAY_ITERS)
        LrSchedule delayed = new LrSchedule("warmup-cosine", 15, 0.01, List.of(), 0.1, 0.0, 35);
        assertEquals(0.01, delayed.factor(0, 70), 1e-12);
        assertEquals(1.0, delayed.factor(15, 70), 1e-12);
        assertEquals(1.0, delayed.factor(34, 70), 1e-12);
        assertEquals(1.0, delayed.factor(35, 70), 1e-12);
        assertEquals(0.5, delayed.factor(35 + 35 / 2, 70), 0.05);
        assertEquals(0.0, delayed.factor(70, 70), 1e-12);
        assertEquals(cos.factor(7, 12), new LrSchedule("warmup-cosine", 2, 0.1, List.of(), 0.1, 0.0, 1).factor(7, 12), 1e-12,
                "a start inside warm-up is the end of warm-up");
        assertThrows(org.reidspark.config.ConfigError.class,
                () -> new LrSchedule("step", 0, 0.1, List.of(), 0.1, 0));
        assertThrows(org.reidspark.config.ConfigError.class,
                () -> new LrSchedule("warmup-multistep", 0, 0.1, List.of(40, 30), 0.1, 0));
    }
}
