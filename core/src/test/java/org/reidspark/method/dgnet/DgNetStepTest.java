package org.reidspark.method.dgnet;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.loss.Softmax;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.loss.LossResult;
import org.reidspark.method.ContractData;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.dgnet.DgNetAppearance;
import org.reidspark.testing.NumericalGradient;
import org.reidspark.train.InputBatches;
import org.reidspark.train.MergeRule;
import org.reidspark.train.Round;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's step mechanics on the contract's tiny data: every term it trains falls when it overfits one batch (with a
 * teacher, the ramps at full weight), the teacher never changes; its two own losses against central differences in
 * double precision; the test score is the official one; and the config's errors.
 */
class DgNetStepTest {
    private static final long SEED = 5;

    private static ContractData data() {
        return new ContractData(6, 64, 32);
    }

    private static Batch batch(DgNetMethod m, ContractData d) {
        try (InputBatches b = new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            return b.epoch(0).next();
        }
    }

    /**
     * 12 steps on one batch of 2 pairs with every ramp at its maximum and a teacher: the image reconstructions (self, same
     * identity, cycle), Ea's identity terms and D's loss fall. Left out: the adversarial term (it rises as D learns),
     * the KL (0 at the start: teacher and student both give uniform soft labels), the structure code's re-encoding
     * (its target, the real image's code, moves with Es every step), the generated images' identities (recon-id,
     * fine: the images are still blurred means after 12 steps, and Ea moves under recon-id).
     */
    @Test
    void everyTrainedTermFallsWhenOneBatchIsOverfitAndTheTeacherStaysPut() {
        DgNetMethod m = (DgNetMethod) Methods.of(DgNetContractTest.tiny("reid.sampler.p=2",
                "reid.dgnet.loss.warm=0", "reid.dgnet.loss.ramp-length=0.001", "reid.dgnet.ea-lr=0.002", "reid.augment.erasing-p=0"));
        ContractData d = data();
        TrainingData td = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(td, SEED, null);
        ComputationGraph teacher = ReidNetwork.build(m.config().model(), td.identities(), NetworkOptions.bot(SEED + 9), null);
        state.networks().put(DgNetMethod.TEACHER, teacher, MergeRule.FROZEN);
        INDArray teacherBefore = teacher.params().dup();
        m.learningRates().apply(state.networks(), 1.0);
        Step step = m.step(td, SEED);
        Batch b = batch(m, d);
        int steps = 12;
        List<Map<String, Double>> trace = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            // progress 0.01 from the first step: every ramp at its maximum
            trace.add(step.apply(b, state, new StepContext(0, 1, 100, 1 + i, 1.0, Round.mix(SEED, i))));
        }
        System.out.println("DG-Net terms over " + steps + " steps on one batch: " + trace);
        assertEquals(2.0, trace.get(0).get("w-teacher"), "the teacher weight is at its maximum");
        assertTrue(trace.get(0).get("kl") > 0, "the KL to the teacher is computed: " + trace.get(0));
        for (String term : List.of("recon-x", "recon-xp", "cycle", "id", "pid", "dis")) {
            double first = mean(trace.subList(0, 3), term);
            double last = mean(trace.subList(steps - 3, steps), term);
            assertTrue(last < first, term + " falls on one batch: first 3 steps " + first + ", last 3 " + last);
        }
        assertEquals(teacherBefore, teacher.params(), "the frozen teacher never changes");
    }

    private static double mean(List<Map<String, Double>> rows, String key) {
        return rows.stream().mapToDouble(r -> r.get(key)).average().orElseThrow();
    }

    /**
     * Every network's gradient as the step computes it (the chain from D into G, from the frozen copy of Ea into G,
     * from G's six decodes back into the two structure codes and Es, Ea's heads) against central differences of the
     * term that network trains on, the whole step evaluated again per perturbed parameter (no update: a dry run, with
     * the same erasing and dropout), in double precision, in the settings where no detached path makes the step's
     * gradient differ from the total derivative of its term: ramps off (no re-encoding, no teacher): D on {@code dis},
     * G and Es on {@code gen}, Ea on {@code ea}; and the structure code's re-encoding through the frozen copy of Es into
     * G alone (every other term off): G on {@code gen}. For each network checked, the 2
     * parameters with the largest gradient and one from the middle; batches of 2 pairs.
     */
    @Test
    void theStepsGradientsMatchCentralDifferencesInDoublePrecision() {
        Map<String, String> terms = new LinkedHashMap<>();
        terms.put(DgNetMethod.DISCRIMINATOR, "dis");
        terms.put(DgNetMethod.DECODER, "gen");
        terms.put(DgNetMethod.STRUCTURE, "gen");
        terms.put(DgNetMethod.APPEARANCE, "ea");
        List<String> failures = new ArrayList<>(checkGradients(DgNetContractTest.tiny("reid.sampler.p=2"), terms));
        failures.addAll(checkGradients(DgNetContractTest.tiny("reid.sampler.p=2", "reid.dgnet.loss.warm=0", "reid.dgnet.loss.ramp-length=0.001",
                "reid.dgnet.loss.cycle-max=0", "reid.dgnet.loss.teacher-max=0", "reid.dgnet.loss.recon-f-max=0",
                "reid.dgnet.reencode-detached=0", "reid.dgnet.loss.recon-x-weight=0", "reid.dgnet.loss.recon-xp-weight=0",
                "reid.dgnet.loss.recon-id-weight=0", "reid.dgnet.loss.gan-weight=0"), Map.of(DgNetMethod.DECODER, "gen")));
        assertTrue(failures.isEmpty(), "gradients that differ from central differences: " + failures);
    }

    /** Checks the networks of {@code terms} against their terms' central differences; returns the failures. */
    private static List<String> checkGradients(Config config, Map<String, String> terms) {
        DgNetMethod m = (DgNetMethod) Methods.of(config);
        ContractData d = data();
        TrainingData td = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(td, SEED, null, DataType.DOUBLE);
        DgNetStep step = (DgNetStep) m.step(td, SEED);
        Batch b = batch(m, d);
        StepContext context = new StepContext(0, 10, 10, 1, 1.0, 77);
        Map<ComputationGraph, INDArray> analytic = new java.util.HashMap<>();
        Map<String, Double> first = step.dryRun(b, state, context, analytic);
        if (config.getDouble("reid.dgnet.loss.warm") == 0) assertTrue(first.get("recon-s") > 0, "the structure is re-encoded: " + first);
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, String> t : terms.entrySet()) {
            ComputationGraph g = state.network(t.getKey());
            INDArray params = g.params();
            INDArray grad = analytic.get(g);
            for (long i : chosen(g, grad)) {
                double orig = params.getDouble(i);
                params.putScalar(i, orig + NumericalGradient.EPS);
                double plus = step.dryRun(b, state, context, new java.util.HashMap<>()).get(t.getValue());
                params.putScalar(i, orig - NumericalGradient.EPS);
                double minus = step.dryRun(b, state, context, new java.util.HashMap<>()).get(t.getValue());
                params.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * NumericalGradient.EPS);
                double a = grad.getDouble(i);
                double abs = Math.abs(a - numeric);
                double rel = abs / (Math.abs(a) + Math.abs(numeric) + 1e-300);
                String line = t.getKey() + " parameter " + i + ": step " + a + ", numerical " + numeric;
                System.out.println(line);
                if (rel > 1e-4 && abs > NumericalGradient.MIN_ABS_ERROR) failures.add(line);
            }
        }
        return failures;
    }

    /** The 2 parameters with the largest gradient and 1 other, BatchNorm's running statistics left out. */
    private static List<Long> chosen(ComputationGraph g, INDArray grad) {
        boolean[] statistic = new boolean[(int) grad.length()];
        long base = g.params().offset();
        for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
            String k = e.getKey();
            if (org.reidspark.model.LayerFactors.isRunningStatistic(k)) {
                long from = e.getValue().offset() - base;
                for (long j = from; j < from + e.getValue().length(); j++) statistic[(int) j] = true;
            }
        }
        List<Long> eligible = new ArrayList<>();
        for (long i = 0; i < grad.length(); i++) if (!statistic[(int) i]) eligible.add(i);
        List<Long> byMagnitude = new ArrayList<>(eligible);
        byMagnitude.sort((x, y) -> Double.compare(Math.abs(grad.getDouble(y)), Math.abs(grad.getDouble(x))));
        List<Long> out = new ArrayList<>(byMagnitude.subList(0, 2));
        out.add(eligible.get(eligible.size() / 2));
        return out;
    }

    @Test
    void theLossesMatchCentralDifferencesInDoublePrecision() {
        Nd4j.getRandom().setSeed(11);
        INDArray a = Nd4j.rand(DataType.DOUBLE, 3, 2, 4, 5);
        INDArray t = Nd4j.rand(DataType.DOUBLE, 3, 2, 4, 5);
        LossResult l1 = DgNetLosses.l1(a, t);
        assertEquals(org.nd4j.linalg.ops.transforms.Transforms.abs(a.sub(t)).meanNumber().doubleValue(), l1.value(), 1e-12);
        NumericalGradient.Report r = NumericalGradient.check(x -> DgNetLosses.l1(x, t).value(), a, l1.gradient());
        assertTrue(r.passed(), "L1: " + r);

        INDArray z = Nd4j.randn(DataType.DOUBLE, 4, 7);
        INDArray q = Softmax.of(Nd4j.randn(DataType.DOUBLE, 4, 7).muli(2));
        LossResult kl = DgNetLosses.kl(z, q);
        double byHand = 0;
        INDArray p = Softmax.of(z);
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 7; k++) byHand += q.getDouble(i, k) * Math.log(q.getDouble(i, k) / p.getDouble(i, k));
        }
        assertEquals(byHand / 4, kl.value(), 1e-12, "KL(q || softmax(z)) summed over classes, averaged over rows");
        assertTrue(kl.value() > 0);
        assertEquals(0, DgNetLosses.kl(z, p).value(), 1e-12, "no divergence from its own softmax");
        r = NumericalGradient.check(x -> DgNetLosses.kl(x, q).value(), z, kl.gradient());
        assertTrue(r.passed(), "KL: " + r);
    }

    @Test
    void theTestScoreIsPrimaryPlusHalfTheFineGrainedCosine() {
        DgNetMethod m = (DgNetMethod) Methods.of(DgNetContractTest.tiny());
        ComputationGraph ea = DgNetMethod.init(m.appearanceConfig(6, SEED, DataType.FLOAT, true));
        INDArray images = Nd4j.randn(DataType.FLOAT, 3, 3, 64, 32);
        DgNetTestNetwork net = new DgNetTestNetwork(ea, 0.5);
        INDArray e = net.finish(net.forward(images), 1).get(org.reidspark.eval.TestFeatures.EMBEDDING);
        INDArray[] out = ea.output(false, images);
        INDArray p = ReidNetwork.l2Normalize(out[ReidNetwork.outputIndex(ea, DgNetAppearance.feature(DgNetAppearance.PRIMARY))]);
        INDArray f = ReidNetwork.l2Normalize(out[ReidNetwork.outputIndex(ea, DgNetAppearance.feature(DgNetAppearance.FINE))]);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double official = p.getRow(i).mul(p.getRow(j)).sumNumber().doubleValue() + 0.5 * f.getRow(i).mul(f.getRow(j)).sumNumber().doubleValue();
                assertEquals(official, e.getRow(i).mul(e.getRow(j)).sumNumber().doubleValue(), 1e-5, "score of " + i + ", " + j);
            }
            assertEquals(1.5, e.getRow(i).norm2Number().doubleValue() * e.getRow(i).norm2Number().doubleValue(), 1e-5,
                    "every embedding has the same norm, so cosine ranks as the score");
        }
    }

    @Test
    void badSettingsFailClearly(@TempDir Path dir) {
        ConfigError k = assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.sampler.k=4")));
        assertTrue(k.getMessage().contains("reid.sampler.k = 2"), k.getMessage());
        assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.sampler.p=5")));
        ConfigError rows = assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.input.height=48")));
        assertTrue(rows.getMessage().contains("stripes"), rows.getMessage());
        ConfigError dil = assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.dgnet.generator.dilations=[9]")));
        assertTrue(dil.getMessage().contains("dilation"), dil.getMessage());
        ConfigError chunks = assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.dgnet.generator.res-blocks=3")));
        assertTrue(chunks.getMessage().contains("chunks"), chunks.getMessage());
        ConfigError optimizer = assertThrows(ConfigError.class, () -> Methods.of(DgNetContractTest.tiny("reid.dgnet.ea-optimizer=rmsprop")));
        assertTrue(optimizer.getMessage().contains("sgd") && optimizer.getMessage().contains("adam"), optimizer.getMessage());
        DgNetMethod m = (DgNetMethod) Methods.of(DgNetContractTest.tiny("reid.dgnet.teacher=" + dir.resolve("no-such-run").toUri()));
        TrainingData td = TrainingData.of(data().manifest());
        IllegalArgumentException teacher = assertThrows(IllegalArgumentException.class,
                () -> m.initialize(td, SEED, new Storage(new Configuration())));
        assertTrue(teacher.getMessage().contains("not a published run directory"), teacher.getMessage());
    }
}
