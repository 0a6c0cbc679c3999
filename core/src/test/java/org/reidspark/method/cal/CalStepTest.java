package org.reidspark.method.cal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.loss.ClothesAdversarialLoss;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;
import org.reidspark.testing.NumericalGradient;
import org.reidspark.train.InputBatches;
import org.reidspark.train.LearningRates;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CAL's step on the contract's tiny data: the schedule (nothing clothes-related touches the backbone before the start
 * epoch, the classifier reads detached features), CAL's gradient through the fixed classifier into the embedding in
 * double precision, the network shapes and rates, and the errors.
 */
class CalStepTest {
    private static final long SEED = 3;

    private static Config tiny(String... more) {
        Config c = CalContractTest.tiny();
        for (String kv : more) {
            String[] p = kv.split("=", 2);
            c = c.withValue(p[0], ConfigValueFactory.fromAnyRef(p[1].matches("[-0-9.e]+") ? (Object) Double.parseDouble(p[1]) : p[1]));
        }
        return c;
    }

    private static ContractData data() {
        return new ContractData(6, 32, 16);
    }

    private static Batch batch(Method m, ContractData d) {
        try (InputBatches b = new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            return b.epoch(0).next();
        }
    }

    private static StepContext at(int epoch) {
        return new StepContext(epoch, 10, 10, 0, 1.0, 1);
    }

    /** Runs one step of a method made from {@code config} at {@code epoch} from a fresh state; returns the state. */
    private static TrainingState stepOnce(Config config, int epoch) {
        Method m = Methods.of(config);
        ContractData d = data();
        TrainingData td = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(td, SEED, null);
        m.learningRates().apply(state.networks(), 1.0);
        m.step(td, SEED).apply(batch(m, d), state, at(epoch));
        return state;
    }

    @Test
    void networksRatesAndClassesAreCals() {
        Method m = Methods.of(CalContractTest.tiny());
        TrainingData td = TrainingData.of(data().manifest());
        assertEquals(12, td.clothesClasses(), "6 training identities x 2 outfits; the 12 test classes are not counted");
        TrainingState state = m.initialize(td, SEED, null);
        ComputationGraph clothes = state.network(CalMethod.CLOTHES);
        ComputationGraph reid = state.network(CalMethod.NETWORK);
        int width = ((CalMethod) m).featureDim();
        assertEquals(width * 12L, clothes.numParams(), "a bias-free cosine classifier over the training clothes classes");
        INDArray out = reid.output(false, Nd4j.rand(DataType.FLOAT, 2, 3, 32, 16))[2];
        assertEquals(width, out.size(1), "max + avg pooling doubles the backbone's channels");
        LearningRates rates = m.learningRates();
        assertEquals(Map.of(CalMethod.NETWORK, 1e-3, CalMethod.CLOTHES, 1e-3), rates.base());
        rates.apply(state.networks(), 0.1);
        assertEquals(1e-4, reid.getLayer("logits").conf().getLayer().getUpdaterByParam("W").getLearningRate(0, 0), 1e-12);
        assertEquals(1e-3, clothes.getLayer(CalMethod.COSINE).conf().getLayer().getUpdaterByParam("W").getLearningRate(0, 0), 1e-12,
                "the schedule leaves the clothes classifier's rate alone");
    }

    @Test
    void beforeTheStartEpochOnlyTheIdentityLossesMoveTheNetworkAndTheClassifierStaysPut() {
        TrainingState before = stepOnce(tiny("reid.cal.start-epoch=5"), 0);
        TrainingState baseline = stepOnce(tiny("reid.cal.start-epoch=5", "reid.cal.adversarial-weight=0"), 0);
        TrainingState fresh = Methods.of(CalContractTest.tiny()).initialize(TrainingData.of(data().manifest()), SEED, null);
        assertEquals(fresh.network(CalMethod.CLOTHES).params(), before.network(CalMethod.CLOTHES).params(), "classifier before start");
        assertEquals(baseline.network(CalMethod.NETWORK).params(), before.network(CalMethod.NETWORK).params(), "network as the baseline");
    }

    @Test
    void fromTheStartEpochTheClassifierLearnsOnDetachedFeaturesAndCalReachesTheNetwork() {
        TrainingState fresh = Methods.of(CalContractTest.tiny()).initialize(TrainingData.of(data().manifest()), SEED, null);
        TrainingState baseline = stepOnce(tiny("reid.cal.start-epoch=5"), 0);
        TrainingState noCal = stepOnce(tiny("reid.cal.adversarial-weight=0"), 0);
        TrainingState cal = stepOnce(tiny(), 0);
        assertFalse(fresh.network(CalMethod.CLOTHES).params().equalsWithEps(noCal.network(CalMethod.CLOTHES).params(), 1e-7),
                "the clothes classifier learns from the start epoch");
        assertEquals(baseline.network(CalMethod.NETWORK).params(), noCal.network(CalMethod.NETWORK).params(),
                "the classifier's own loss does not reach the network (detached features)");
        assertFalse(noCal.network(CalMethod.NETWORK).params().equalsWithEps(cal.network(CalMethod.NETWORK).params(), 1e-7),
                "CAL reaches the network");
        assertEquals(noCal.network(CalMethod.CLOTHES).params(), cal.network(CalMethod.CLOTHES).params(),
                "CAL does not update the classifier");
    }

    @Test
    void stepReportsItsTermsAndTheTotalIsTheNetworksLoss() {
        Method m = Methods.of(CalContractTest.tiny());
        ContractData d = data();
        TrainingData td = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(td, SEED, null);
        Map<String, Double> t = m.step(td, SEED).apply(batch(m, d), state, at(0));
        assertEquals(List.of("loss", "id", "triplet", "clothes", "cal", "clothes-acc"), List.copyOf(t.keySet()));
        assertEquals(t.get("id") + t.get("triplet") + t.get("cal"), t.get("loss"), 1e-6);
        assertTrue(t.get("clothes-acc") >= 0 && t.get("clothes-acc") <= 1, t.toString());
    }

    /**
     * The error CAL sends into the embedding, through the cosine classifier (DL4J backprop of the layer's hand-written
     * backward pass), against central differences of CAL(classifier(embedding)) in double; a 1% error fails.
     */
    @Test
    void calsGradientIntoTheEmbeddingMatchesCentralDifferences() {
        NumericalGradient.useDouble();
        try {
            int d = 6;
            int k = 5;
            ComputationGraph clothes = CalMethod.clothesClassifier(d, k,
                    new NetworkOptions(7, DataType.DOUBLE, new org.nd4j.linalg.learning.config.NoOp(), 0));
            Nd4j.getRandom().setSeed(4);
            INDArray e = Nd4j.randn(DataType.DOUBLE, 4, d);
            int[] own = {0, 1, 2, 4};
            INDArray mask = Nd4j.createFromArray(new double[][] {{1, 1, 0, 0, 0}, {1, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {0, 0, 0, 0, 1}});
            Targets t = Targets.of(own).with(ClothesAdversarialLoss.POSITIVE_MASK, mask);
            ClothesAdversarialLoss cal = new ClothesAdversarialLoss(16, 0.1);
            Map<String, INDArray> out = ExternalBackprop.forward(clothes, e);
            LossResult r = cal.compute(out.get(CalMethod.COSINE), t);
            INDArray de = ExternalBackprop.backwardToInputs(clothes, out, Map.of(CalMethod.COSINE, r.gradient()))
                    .inputGradient(CalMethod.CLOTHES_INPUT);
            NumericalGradient.Report rep = NumericalGradient.check(v -> cal.compute(clothes.output(false, v)[0], t).value(), e, de);
            assertTrue(rep.passed(), rep.toString());
            NumericalGradient.Report off = NumericalGradient.check(v -> cal.compute(clothes.output(false, v)[0], t).value(), e, de.mul(1.01));
            assertFalse(off.passed(), off.toString());
        } finally {
            NumericalGradient.restoreTypes();
        }
    }

    @Test
    void withoutClothesLabelsOrWithABadSettingItFailsClearly() {
        Method m = Methods.of(CalContractTest.tiny());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.initialize(new TrainingData(4, 0), SEED, null));
        assertTrue(e.getMessage().contains("clothes labels"), e.getMessage());
        ConfigError bad = assertThrows(ConfigError.class, () -> Methods.of(tiny("reid.cal.clothes.labels=random")));
        assertTrue(bad.getMessage().contains("reid.cal.clothes.labels"), bad.getMessage());
        ConfigError late = assertThrows(ConfigError.class, () -> Methods.of(ConfigLoader.load(List.of("reid.method=cal",
                "reid.train.epochs=20"))));
        assertTrue(late.getMessage().contains("reid.cal.start-epoch"), late.getMessage());
    }

    @Test
    void theShuffledControlKeepsEachIdentitysClassesAndIsTheSameOnEveryWorker() {
        TrainingData td = TrainingData.of(data().manifest());
        CalMethod control = (CalMethod) Methods.of(tiny("reid.cal.clothes.labels=shuffled-within-identity"));
        TrainingData a = control.clothesData(td, SEED);
        assertEquals(a, control.clothesData(td, SEED), "the same shuffle for the same run seed");
        assertEquals(td.positiveMask(new int[] {0, 1, 2, 3, 4, 5}, DataType.FLOAT),
                a.positiveMask(new int[] {0, 1, 2, 3, 4, 5}, DataType.FLOAT));
        CalMethod real = (CalMethod) Methods.of(CalContractTest.tiny());
        assertEquals(td, real.clothesData(td, SEED));
    }
}
