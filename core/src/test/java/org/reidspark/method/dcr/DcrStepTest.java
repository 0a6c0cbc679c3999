package org.reidspark.method.dcr;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.InputBatches;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One DCR step: its loss terms, noise from the step's seed, and the ResNet layers held during the frozen epochs. */
class DcrStepTest {
    private static final long SEED = 5;

    private record Setup(Method method, TrainingState state, Step step, Batch batch) {
    }

    private static Setup setup(Config config) {
        Method m = Methods.of(config);
        InputConfig input = InputConfig.from(config);
        ContractData d = new ContractData(6, input.height(), input.width());
        TrainingData data = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(data, SEED, null);
        m.learningRates().apply(state.networks(), 1.0);
        try (InputBatches b = new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            return new Setup(m, state, m.step(data, SEED), b.epoch(0).next());
        }
    }

    private static StepContext context(int epoch, long seed) {
        return new StepContext(epoch, 10, 10, 0, 1.0, seed);
    }

    @Test
    void reportsItsTermsAndDrawsItsNoiseFromTheStepSeed() {
        Setup s1 = setup(DcrContractTest.tiny());
        Setup s2 = setup(DcrContractTest.tiny());
        Map<String, Double> first = s1.step().apply(s1.batch(), s1.state(), context(0, 11));
        Map<String, Double> same = s2.step().apply(s2.batch(), s2.state(), context(0, 11));
        assertEquals(List.of("loss", "id", "triplet", "overlap", "alignment"), List.copyOf(first.keySet()));
        assertEquals(first, same, "the same state, batch and seed give the same step");
        assertEquals(s1.state().network(DcrMethod.NETWORK).params(), s2.state().network(DcrMethod.NETWORK).params());
        boolean differs = false;
        for (long seed = 12; seed < 20 && !differs; seed++) {
            Setup s3 = setup(DcrContractTest.tiny());
            differs = !s3.step().apply(s3.batch(), s3.state(), context(0, seed)).get("alignment").equals(first.get("alignment"));
        }
        assertTrue(differs, "other seeds draw other stripes");
    }

    @Test
    void theResNetLayersStayPutDuringTheFrozenEpochsOnly() {
        Config config = DcrContractTest.tiny().withValue("reid.dcr.freeze-epochs", ConfigValueFactory.fromAnyRef(1));
        Setup s = setup(config);
        ComputationGraph g = s.state().network(DcrMethod.NETWORK);
        INDArray conv = g.getLayer("conv1").getParam("W").dup();
        INDArray copy = g.getLayer("part1.layer4.1.conv2").getParam("W").dup();
        INDArray gates = g.getLayer("locator.gem").getParam("W").dup();
        INDArray classifier = g.getLayer("global.logits").getParam("W").dup();
        s.step().apply(s.batch(), s.state(), context(0, 1));
        assertEquals(conv, g.getLayer("conv1").getParam("W"), "trunk frozen in epoch 0");
        assertEquals(copy, g.getLayer("part1.layer4.1.conv2").getParam("W"), "branch copies frozen in epoch 0");
        assertNotEquals(gates, g.getLayer("locator.gem").getParam("W"), "the locator trains");
        assertNotEquals(classifier, g.getLayer("global.logits").getParam("W"), "the classifiers train");
        // the next round sets the rates again, and in epoch 1 everything trains
        s.method().learningRates().apply(s.state().networks(), 1.0);
        s.step().apply(s.batch(), s.state(), context(1, 2));
        assertNotEquals(conv, g.getLayer("conv1").getParam("W"), "trunk trains after the frozen epochs");
        assertNotEquals(copy, g.getLayer("part1.layer4.1.conv2").getParam("W"));
    }
}
