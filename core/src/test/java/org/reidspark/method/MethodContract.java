package org.reidspark.method;

import com.typesafe.config.Config;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.batch.SampleField;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.Distances;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Labels;
import org.reidspark.eval.Matching;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.backbone.InferenceFolding;
import org.reidspark.train.AuxState;
import org.reidspark.train.DenseState;
import org.reidspark.train.InputBatches;
import org.reidspark.train.KeyedState;
import org.reidspark.train.LearningRates;
import org.reidspark.train.MergeAccumulator;
import org.reidspark.train.MergeRule;
import org.reidspark.train.Round;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every registered method must do, checked through the contract alone (a method's test extends this class and
 * gives its tiny config): it initializes networks whose merge rules and learning rates agree; its step, on the
 * batches its own training inputs declare, lowers the loss on a fixed batch; a checkpoint round trip is exact and
 * training continues identically from it; frozen networks never change and are not in what a round ships, and
 * merging two workers follows each component's rule; its test features and matching rule work in the evaluation
 * engine (blockwise distances agree with pairwise ones). The Spark half (two workers on local[2] against the local
 * reference, extraction) is in the jobs module's {@code MethodContractSparkTest}.
 */
public abstract class MethodContract {
    protected static final long SEED = 3;

    /** The method's tiny config: small input, small network, P x K that fits {@link #identities()}. */
    protected abstract Config config();

    /** Steps within which the loss on one fixed batch must fall below its first value. */
    protected int stepsToLearn() {
        return 8;
    }

    /** Training identities of the contract's data. */
    protected int identities() {
        return 6;
    }

    protected Method method() {
        return Methods.of(config());
    }

    protected ContractData data() {
        InputConfig input = InputConfig.from(config());
        return new ContractData(identities(), input.height(), input.width());
    }

    private TrainingData trainingData(ContractData d) {
        return TrainingData.of(d.manifest());
    }

    private InputBatches batches(Method m, ContractData d, long seed) {
        return new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), seed);
    }

    /** The first batch of epoch {@code epoch}, as the method's inputs make it. */
    private Batch batch(Method m, ContractData d, int epoch) {
        try (InputBatches b = batches(m, d, SEED)) {
            return b.epoch(epoch).next();
        }
    }

    private static StepContext context(long iteration) {
        return new StepContext(0, 10, 10, iteration, 1.0, Round.mix(SEED, iteration));
    }

    @Test
    void initializesNetworksWhoseRulesAndRatesAgree() {
        Method m = method();
        ContractData d = data();
        TrainingState state = m.initialize(trainingData(d), SEED, null);
        LearningRates rates = m.learningRates();
        assertFalse(state.trainedNetworks().isEmpty(), "a method trains at least one network");
        for (String name : state.networks().names()) {
            if (state.networks().frozen(name)) {
                assertFalse(rates.base().containsKey(name), "frozen network " + name + " has a learning rate");
            } else {
                assertTrue(rates.base().containsKey(name), "trained network " + name + " has no learning rate");
            }
            assertTrue(Double.isFinite(state.network(name).params().sumNumber().doubleValue()), name);
        }
        assertTrue(state.networks().names().containsAll(rates.base().keySet()), "rates for networks it lacks: " + rates);
        TrainingInputs inputs = m.trainingInputs();
        assertTrue(inputs.views().containsKey(Batch.IMAGES));
        Batch b = batch(m, d, 0);
        assertEquals(inputs.sampling().batchSize(), b.size());
        // the distinct identities the train job requires of every worker's shard are the ones a batch really holds
        int identities = inputs.sampling().identitiesPerBatch();
        if (identities > 0) {
            assertEquals(identities, b.samples().stream().mapToInt(Sample::label).distinct().count(),
                    "distinct identities in a batch of " + inputs.sampling());
        }
        try (InputBatches all = batches(m, d, SEED)) {
            for (int e = 0; e < 3; e++) {
                int n = 0;
                for (Iterator<Batch> it = all.epoch(e); it.hasNext(); it.next()) n++;
                assertEquals(all.batchesInEpoch(e), n, "batches of epoch " + e + " (the progress line's step count)");
            }
        }
        for (SampleField f : inputs.fields()) assertEquals(b.size(), b.field(f.name()).size(0), f.name());
        for (String view : inputs.views().keySet()) assertEquals(b.size(), b.view(view).size(0), view);
        Map<Long, Sample> byKey = new LinkedHashMap<>();
        for (int i = 0; i < d.train().size(); i++) byKey.put(d.trainKeys()[i], d.train().get(i));
        for (int i = 0; i < b.size(); i++) assertEquals(byKey.get(b.keys()[i]), b.samples().get(i), "keys are the samples' own");
        assertEquals(m.config(), Methods.of(config()).config(), "the typed config is a value");
    }

    @Test
    void aStepOnAFixedBatchLowersTheLoss() {
        Method m = method();
        ContractData d = data();
        TrainingData data = trainingData(d);
        TrainingState state = m.initialize(data, SEED, null);
        Step step = m.step(data, SEED);
        m.learningRates().apply(state.networks(), 1.0);
        Batch b = batch(m, d, 0);
        double first = step.apply(b, state, context(0)).get("loss");
        double best = first;
        for (int i = 1; i <= stepsToLearn(); i++) {
            Map<String, Double> losses = step.apply(b, state, context(i));
            assertTrue(losses.values().stream().allMatch(Double::isFinite), losses.toString());
            best = Math.min(best, losses.get("loss"));
        }
        assertTrue(best < first, "loss on a fixed batch should fall within " + stepsToLearn() + " steps: " + first + " -> " + best);
    }

    @Test
    void aCheckpointRoundTripIsExactAndTrainingContinuesIdentically() throws IOException {
        Method m = method();
        ContractData d = data();
        TrainingData data = trainingData(d);
        TrainingState state = m.initialize(data, SEED, null);
        Round round = new Round(m.step(data, SEED), m.learningRates(), 10, 10);
        try (InputBatches b = batches(m, d, SEED)) {
            round.run(state, 0, 1.0, b.epoch(0), 3, SEED, null);
        }
        state.setPosition(1, state.iteration());
        TrainingState copy = TrainingState.read(new ByteArrayInputStream(state.toBytes()));
        assertSame(state, copy);
        Batch next = batch(m, d, 1);
        Map<String, Double> a = new Round(m.step(data, SEED), m.learningRates(), 10, 10)
                .run(state, 1, 1.0, List.of(next).iterator(), 1, SEED, null).meanLosses();
        Map<String, Double> c = new Round(m.step(data, SEED), m.learningRates(), 10, 10)
                .run(copy, 1, 1.0, List.of(next).iterator(), 1, SEED, null).meanLosses();
        assertEquals(a, c, "the same step from the restored state");
        assertSame(state, copy);
    }

    @Test
    void frozenNetworksStayPutAreNotShippedAndMergingFollowsTheRules() throws IOException {
        Method m = method();
        ContractData d = data();
        TrainingData data = trainingData(d);
        TrainingState initial = m.initialize(data, SEED, null);
        Map<String, INDArray> frozenBefore = new LinkedHashMap<>();
        for (String n : initial.networks().names()) {
            if (initial.networks().frozen(n)) frozenBefore.put(n, initial.network(n).params().dup());
        }

        // what a round ships: the trainable part; the frozen part goes once and is exactly what is left out
        byte[] all = initial.toBytes();
        byte[] trainable = initial.toBytes(TrainingState.Part.TRAINABLE);
        byte[] frozen = initial.toBytes(TrainingState.Part.FROZEN);
        TrainingState shipped = TrainingState.read(new ByteArrayInputStream(trainable));
        for (String n : frozenBefore.keySet()) assertFalse(shipped.networks().names().contains(n), n + " is shipped every round");
        assertEquals(initial.trainedNetworks().keySet(), shipped.networks().asMap().keySet());
        int header = 24;
        assertTrue(Math.abs(all.length - (trainable.length + frozen.length - header)) <= header,
                "all " + all.length + " = trainable " + trainable.length + " + frozen " + frozen.length + " (one header)");
        if (!frozenBefore.isEmpty()) {
            long frozenParams = frozenBefore.values().stream().mapToLong(INDArray::length).sum();
            assertTrue(all.length - trainable.length >= frozenParams * 4 / 2,
                    "the frozen networks' " + frozenParams + " parameters are what a round leaves out: "
                            + (all.length - trainable.length) + " bytes");
        }

        // two workers from the same state, each on its own batches, with the frozen part attached as an executor does
        List<TrainingState> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            TrainingState s = TrainingState.read(new ByteArrayInputStream(trainable));
            s.attach(TrainingState.read(new ByteArrayInputStream(frozen)));
            try (InputBatches b = batches(m, d, SEED + 100 * w)) {
                Round.Result r = new Round(m.step(data, SEED), m.learningRates(), 10, 10).run(s, 0, 1.0, b.epoch(w), 2, SEED + w, null);
                assertEquals(2, r.steps());
            }
            workers.add(s);
            for (Map.Entry<String, INDArray> e : frozenBefore.entrySet()) {
                assertEquals(e.getValue(), s.network(e.getKey()).params(), "frozen network " + e.getKey() + " changed in a step");
            }
        }
        MergeAccumulator acc = new MergeAccumulator().add(workers.get(0)).add(workers.get(1));
        TrainingState base = TrainingState.read(new ByteArrayInputStream(all));
        acc.applyTo(base);
        for (String n : base.networks().names()) {
            INDArray merged = base.network(n).params();
            if (base.networks().frozen(n)) {
                assertEquals(frozenBefore.get(n), merged, "frozen " + n + " is not merged");
            } else {
                INDArray mean = workers.get(0).network(n).params().add(workers.get(1).network(n).params()).divi(2);
                assertTrue(mean.equalsWithEps(merged, 1e-6), n + " is the workers' mean");
            }
        }
        for (Map.Entry<String, AuxState> e : base.aux().entrySet()) {
            if (e.getValue() instanceof KeyedState k) {
                KeyedState k0 = workers.get(0).keyed(e.getKey());
                KeyedState k1 = workers.get(1).keyed(e.getKey());
                for (int i = 0; i < k.keys().length; i++) {
                    INDArray expected = k0.touched(i) && k1.touched(i) ? k0.rows().getRow(i).add(k1.rows().getRow(i)).divi(2)
                            : k0.touched(i) ? k0.rows().getRow(i) : k1.touched(i) ? k1.rows().getRow(i)
                            : initial.keyed(e.getKey()).rows().getRow(i);
                    assertTrue(expected.equalsWithEps(k.rows().getRow(i), 1e-6), e.getKey() + " row " + i + " merged by key");
                }
            } else if (e.getValue() instanceof DenseState ds && ds.rule() == MergeRule.FROZEN) {
                assertEquals(initial.dense(e.getKey()).value(), ds.value(), "frozen state " + e.getKey());
            }
        }
    }

    /** A fresh state of {@code m} after 4 steps on {@code d} (BatchNorm statistics moved off their start). */
    private TrainingState trainedFourSteps(Method m, ContractData d) {
        TrainingData data = trainingData(d);
        TrainingState state = m.initialize(data, SEED, null);
        try (InputBatches b = batches(m, d, SEED)) {
            new Round(m.step(data, SEED), m.learningRates(), 10, 10).run(state, 0, 1.0, b.epoch(0), 4, SEED, null);
        }
        return state;
    }

    @Test
    void testFeaturesAndMatchingWorkInTheEvaluationEngine() {
        Method m = method();
        ContractData d = data();
        TrainingState state = trainedFourSteps(m, d);
        TestNetwork network = m.testNetwork(state.networks());
        assertEquals(TestFeatures.EMBEDDING, network.arrays().get(0), "the embedding comes first");
        EvalConfig eval = EvalConfig.from(config());
        Matching matching = network.matching(eval.metric());
        assertTrue(network.arrays().containsAll(matching.arrays()), matching.arrays() + " not in " + network.arrays());
        for (boolean flip : new boolean[] {false, true}) {
            Embedder embedder = new Embedder(network, InputConfig.from(config()), d.images(), new LoaderConfig(1, 2), 5, flip);
            List<Sample> query = d.manifest().query();
            List<Sample> gallery = d.manifest().gallery();
            TestFeatures q = embedder.embed("query", query);
            TestFeatures g = embedder.embed("gallery", gallery);
            assertEquals(network.arrays(), q.names());
            assertEquals(query.size(), q.rows());
            for (String a : q.names()) {
                assertTrue(q.get(a).matrix().sumNumber().doubleValue() != 0 || a.equals(TestFeatures.VISIBILITY), a + " is all zeros");
            }
            Distances dist = matching.distances(q, g, 1);
            float[] whole = dist.matrix();
            for (int i = 0; i < q.rows(); i++) {
                for (int j = 0; j < g.rows(); j++) {
                    assertEquals(dist.pair(i, j), whole[i * g.rows() + j], 1e-4, "pair " + i + ", " + j);
                }
            }
            List<float[]> blocks = new ArrayList<>();
            try {
                dist.forEachRowBlock(4L * g.rows() * 2, (r0, n, data1) -> blocks.add(java.util.Arrays.copyOf(data1, n * g.rows())));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            float[] joined = new float[whole.length];
            int at = 0;
            for (float[] block : blocks) {
                System.arraycopy(block, 0, joined, at, block.length);
                at += block.length;
            }
            assertArrayEquals(whole, joined, 1e-6f, "blocks of two rows give the whole matrix");
            RankingMetrics metrics = Evaluator.evaluate(q, g, matching, Labels.of("query", query), Labels.of("gallery", gallery),
                    eval, null);
            assertEquals(query.size(), metrics.validQueries());
            assertTrue(metrics.mAP() > 0 && metrics.mAP() <= 1, metrics.toString());
        }
    }

    /**
     * The inference copies the test network runs ({@link InferenceFolding}: BatchNorms folded into convolutions, the
     * native layers channels-last) compute what the trained networks compute in inference, for every network that
     * reads images, after a few steps have moved the BatchNorm statistics.
     */
    @Test
    void inferenceCopiesComputeWhatTheTrainedNetworksCompute() {
        TrainingState state = trainedFourSteps(method(), data());
        InputConfig input = InputConfig.from(config());
        int checked = 0;
        for (String name : state.networks().names()) {
            ComputationGraph g = state.networks().get(name);
            long channels = imageChannels(g);
            if (channels < 0) continue;
            Nd4j.getRandom().setSeed(SEED);
            INDArray x = Nd4j.rand(g.getConfiguration().getDataType(), 3, channels, input.height(), input.width()).subi(0.5).muli(4);
            INDArray before = g.params().dup();
            INDArray[] expected = g.output(false, x);
            for (boolean channelsLast : new boolean[] {false, true}) {
                InferenceFolding.Folded folded = InferenceFolding.fold(g, channelsLast);
                INDArray[] actual = folded.graph().output(false, x);
                assertEquals(expected.length, actual.length, name);
                for (int i = 0; i < expected.length; i++) {
                    String output = name + "." + g.getConfiguration().getNetworkOutputs().get(i) + (channelsLast ? " (channels-last)" : "");
                    assertArrayEquals(expected[i].shape(), actual[i].shape(), output);
                    double scale = Math.max(expected[i].norm2Number().doubleValue() / Math.sqrt(expected[i].length()), 1e-6);
                    double err = expected[i].sub(actual[i]).amaxNumber().doubleValue() / scale;
                    assertTrue(err <= 1e-4, output + ": error " + err + " (folded " + folded.batchNorms().size()
                            + " BatchNorms, " + folded.channelsLast().size() + " vertices channels-last)");
                }
            }
            assertEquals(before, g.params(), name + " is not changed");
            checked++;
        }
        assertTrue(checked > 0, "no network of " + state.networks().names() + " reads images");
    }

    /** Channels of the images {@code g} reads: the input channels of the convolution reading its one input, else -1. */
    private static long imageChannels(ComputationGraph g) {
        var conf = g.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) return -1;
        for (var e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().equals(conf.getNetworkInputs())
                    && conf.getVertices().get(e.getKey()) instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
                return c.getNIn();
            }
        }
        return -1;
    }

    /** Parameters, optimizer state, auxiliary state and position of two states are identical. */
    protected static void assertSame(TrainingState a, TrainingState b) {
        assertEquals(a.networks().names(), b.networks().names());
        for (String n : a.networks().names()) {
            ComputationGraph x = a.network(n);
            ComputationGraph y = b.network(n);
            assertEquals(a.networks().rule(n), b.networks().rule(n), n);
            assertEquals(x.params(), y.params(), n + " parameters");
            if (x.getUpdater(false) != null && x.getUpdater(false).getStateViewArray() != null) {
                assertNotNull(y.getUpdater(false), n + " optimizer");
                assertEquals(x.getUpdater(false).getStateViewArray(), y.getUpdater(false).getStateViewArray(), n + " optimizer state");
            }
            assertEquals(x.getIterationCount(), y.getIterationCount(), n + " iterations");
        }
        assertEquals(a.aux().keySet(), b.aux().keySet());
        for (Map.Entry<String, AuxState> e : a.aux().entrySet()) {
            AuxState o = b.aux().get(e.getKey());
            assertEquals(e.getValue().rule(), o.rule(), e.getKey());
            if (e.getValue() instanceof DenseState ds) {
                assertEquals(ds.value(), ((DenseState) o).value(), e.getKey());
            } else if (e.getValue() instanceof KeyedState k) {
                KeyedState ko = (KeyedState) o;
                assertArrayEquals(k.keys(), ko.keys());
                assertEquals(k.rows(), ko.rows(), e.getKey());
                for (int i = 0; i < k.keys().length; i++) assertEquals(k.touched(i), ko.touched(i), e.getKey() + " mark " + i);
            }
        }
        assertEquals(a.epoch(), b.epoch());
        assertEquals(a.iteration(), b.iteration());
    }
}
