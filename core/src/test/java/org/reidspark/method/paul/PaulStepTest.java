package org.reidspark.method.paul;

import com.typesafe.config.Config;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.model.layer.PatchStripes;
import org.reidspark.train.InputBatches;
import org.reidspark.train.KeyedState;
import org.reidspark.train.Round;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PAUL's network and steps (https://arxiv.org/abs/1904.01308) on the contract's tiny data. */
class PaulStepTest {
    private static final long SEED = 5;

    private static StepContext context(int epoch, long iteration) {
        return new StepContext(epoch, 10, 10, iteration, 1.0, Round.mix(SEED, iteration));
    }

    @Test
    void theNetworkHasThePaperShapesAndStartsAtTheSixStripes() {
        PaulConfig config = PaulConfig.from(PaulContractTest.tiny());
        ComputationGraph graph = new PaulMethod(config).initialize(new TrainingData(2, 1, new long[] {0}), SEED, null)
                .network(PaulMethod.NETWORK);
        Nd4j.getRandom().setSeed(3);
        INDArray images = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 48);
        Map<String, INDArray> a = graph.feedForward(images, false);
        INDArray theta = a.get(PaulNetwork.THETA);
        assertArrayEquals(new long[] {2, 36}, theta.shape());
        double[] stripes = PatchStripes.bias(6);
        for (int i = 0; i < 2; i++) assertArrayEquals(stripes, theta.getRow(i).toDoubleVector(), 1e-7, "image " + i + " starts at the stripes");
        // the last map is 16 x 4 x 3 (ResNet-18 of width 1/8, last stride 1); each patch is its stripe, sampled as
        // affine_grid + grid_sample with align_corners: rows i (H - 1) / 6 .. (i + 1) (H - 1) / 6, every column
        INDArray map = a.get("layer4.1.relu");
        assertArrayEquals(new long[] {2, 64, 4, 3}, map.shape());
        for (int i = 0; i < 6; i++) {
            INDArray patch = a.get("patch" + i + ".sample");
            assertArrayEquals(new long[] {2, 64, 4, 3}, patch.shape());
            for (int r = 0; r < 4; r++) {
                double v = -1 + 2.0 * r / 3;
                double gy = v / 6 + (2.0 * i + 1) / 6 - 1;
                double py = (gy + 1) / 2 * 3;
                int y0 = (int) Math.floor(py);
                double t = py - y0;
                for (int c = 0; c < 3; c++) {
                    for (int ch = 0; ch < 64; ch += 9) {
                        double expected = (1 - t) * map.getDouble(1, ch, y0, c) + (y0 + 1 < 4 ? t * map.getDouble(1, ch, y0 + 1, c) : 0);
                        assertEquals(expected, patch.getDouble(1, ch, r, c), 1e-5, "patch " + i + " row " + r + " col " + c + " ch " + ch);
                    }
                }
            }
            assertArrayEquals(new long[] {2, 8}, a.get(PaulNetwork.feature(i)).shape());
            assertArrayEquals(new long[] {2, 4}, a.get(PaulNetwork.embedding(i)).shape());
        }
        assertFalse(graph.getConfiguration().getNetworkOutputs().contains(PaulNetwork.logits(0)), "no classifier without labels");
        ComputationGraph supervised = new PaulMethod(PaulConfig.from(PaulContractTest.tiny("supervised")))
                .initialize(new TrainingData(5, 1, new long[] {0}), SEED, null).network(PaulMethod.NETWORK);
        assertArrayEquals(new long[] {2, 5}, supervised.feedForward(images, false).get(PaulNetwork.logits(3)).shape());
    }

    @Test
    void theTestFeatureIsTheConcatenationOfUnitPatchFeatures() {
        PaulConfig config = PaulConfig.from(PaulContractTest.tiny());
        ComputationGraph graph = new PaulMethod(config).initialize(new TrainingData(2, 1, new long[] {0}), SEED, null)
                .network(PaulMethod.NETWORK);
        INDArray images = Nd4j.randn(DataType.FLOAT, 3, 3, 64, 48);
        var net = new PaulMethod(config).testNetwork(new org.reidspark.train.NetworkSet().put(PaulMethod.NETWORK, graph));
        INDArray e = net.finish(net.forward(images), 1).get("embedding");
        assertArrayEquals(new long[] {3, 48}, e.shape());
        INDArray[] out = graph.output(false, images);
        for (int p = 0; p < 6; p++) {
            INDArray f = graph.output(false, images)[org.reidspark.model.ReidNetwork.outputIndex(graph, PaulNetwork.feature(p))];
            INDArray unit = f.divColumnVector(f.norm2(1).reshape(3, 1));
            assertTrue(unit.equalsWithEps(e.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(8 * p, 8 * p + 8)), 1e-5), "patch " + p);
        }
        assertEquals(3 * 6, e.mul(e).sumNumber().doubleValue(), 1e-4, "six unit blocks per image");
    }

    /** Training batches over the contract data with the training samples' person ids and labels relabelled. */
    private static List<Batch> batches(Method m, ContractData d, int[] relabel, int epoch, int count) {
        List<Sample> train = new ArrayList<>();
        for (Sample s : d.train()) {
            int l = relabel[s.label()];
            train.add(new Sample(s.uri(), l + 1, l, s.camid(), s.clothes(), s.split()));
        }
        List<Batch> out = new ArrayList<>();
        try (InputBatches b = new InputBatches(m.trainingInputs(), train, d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            Iterator<Batch> it = b.epoch(epoch);
            for (int i = 0; i < count; i++) out.add(it.next());
        }
        return out;
    }

    /**
     * Labels never reach training: the same data with its person ids permuted, or read without them
     * ({@code reid.data.train-labels = none}: an unlabelled manifest, 0 identities), trains to bit-identical parameters.
     */
    @Test
    void permutingOrDroppingThePersonIdsGivesBitIdenticalTraining() {
        Config c = PaulContractTest.tiny();
        Method m = Methods.of(c);
        ContractData d = new ContractData(6, 64, 48);
        TrainingData data = TrainingData.of(d.manifest());
        org.reidspark.data.Manifest unlabelled = d.manifest().withoutTrainLabels();
        TrainingData none = TrainingData.of(unlabelled);
        assertEquals(0, none.identities());
        none.requireLabelsIfUsed(m);
        assertArrayEquals(data.trainKeys(), none.trainKeys());
        int[] identity = {0, 1, 2, 3, 4, 5};
        int[] permuted = {3, 5, 0, 4, 1, 2};
        TrainingState a = m.initialize(data, SEED, null);
        TrainingState b = m.initialize(data, SEED, null);
        TrainingState u = m.initialize(none, SEED, null);
        Step sa = m.step(data, SEED);
        Step sb = m.step(data, SEED);
        Step su = m.step(none, SEED);
        List<Batch> ba = batches(m, d, identity, 0, 3);
        List<Batch> bb = batches(m, d, permuted, 0, 3);
        List<Batch> bu;
        try (InputBatches b3 = new InputBatches(m.trainingInputs(), unlabelled.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            Iterator<Batch> it = b3.epoch(0);
            bu = List.of(it.next(), it.next(), it.next());
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ba.get(i).keys(), bb.get(i).keys(), "the same images in the same order");
            assertArrayEquals(ba.get(i).keys(), bu.get(i).keys(), "the same images in the same order, unlabelled");
            assertFalse(java.util.Arrays.equals(ba.get(i).labels(), bb.get(i).labels()), "the labels differ");
            for (int l : bu.get(i).labels()) assertEquals(Sample.UNLABELED, l, "no label in an unlabelled batch");
            Map<String, Double> la = sa.apply(ba.get(i), a, context(0, i));
            Map<String, Double> lb = sb.apply(bb.get(i), b, context(0, i));
            Map<String, Double> lu = su.apply(bu.get(i), u, context(0, i));
            assertEquals(la, lb, "step " + i);
            assertEquals(la, lu, "step " + i + ", unlabelled");
        }
        assertEquals(a.network(PaulMethod.NETWORK).params(), b.network(PaulMethod.NETWORK).params(), "parameters bit-identical");
        assertEquals(a.network(PaulMethod.NETWORK).params(), u.network(PaulMethod.NETWORK).params(), "parameters bit-identical, unlabelled");
        for (String k : List.of(PaulMethod.PATCH_BANK, PaulMethod.IMAGE_MEMORY)) {
            assertEquals(a.keyed(k).rows(), b.keyed(k).rows(), k);
            assertEquals(a.keyed(k).rows(), u.keyed(k).rows(), k + ", unlabelled");
        }
        assertNotEquals(m.initialize(data, SEED, null).network(PaulMethod.NETWORK).params(), a.network(PaulMethod.NETWORK).params(),
                "training moved the parameters");
    }

    @Test
    void theFirstEpochIsTheBankPassThenTrainingStarts() {
        Config c = PaulContractTest.tiny().withValue("reid.paul.bank-init", com.typesafe.config.ConfigValueFactory.fromAnyRef("pass"));
        Method m = Methods.of(c);
        ContractData d = new ContractData(6, 64, 48);
        TrainingData data = TrainingData.of(d.manifest());
        TrainingState s = m.initialize(data, SEED, null);
        Step step = m.step(data, SEED);
        INDArray before = s.network(PaulMethod.NETWORK).params().dup();
        List<Batch> pass = batches(m, d, new int[] {0, 1, 2, 3, 4, 5}, 0, 4);
        for (int i = 0; i < 4; i++) {
            Map<String, Double> t = step.apply(pass.get(i), s, context(0, i));
            assertEquals(0.0, t.get("loss"));
            assertEquals(6.0 * (i + 1), t.get("bank"), "each pass batch adds its 6 images");
        }
        assertEquals(before, s.network(PaulMethod.NETWORK).params(), "the pass trains nothing");
        KeyedState bank = s.keyed(PaulMethod.PATCH_BANK);
        assertEquals(0.0, s.keyed(PaulMethod.IMAGE_MEMORY).rows().sumNumber().doubleValue(), "the image memory starts in training");
        // every entry of the pass is a unit vector per patch (the original view's normalized patch features)
        for (int i = 0; i < bank.keys().length; i++) {
            INDArray row = bank.rows().getRow(i);
            assertEquals(1.0, row.getDouble(0));
            for (int p = 0; p < 6; p++) {
                assertEquals(1.0, row.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1 + 8 * p, 9 + 8 * p)).norm2Number().doubleValue(), 1e-5);
            }
        }
        Map<String, Double> t = step.apply(batches(m, d, new int[] {0, 1, 2, 3, 4, 5}, 1, 1).get(0), s, context(1, 4));
        assertTrue(t.get("pedal") > 0 && t.get("ipfl") > 0, t.toString());
        assertNotEquals(before, s.network(PaulMethod.NETWORK).params(), "epoch 1 trains");
        INDArray pgn = s.network(PaulMethod.NETWORK).getLayer("pgn.theta").getParam("b");
        assertArrayEquals(PatchStripes.bias(6), pgn.toDoubleVector(), 1e-7, "the patch generation network keeps its rate 0");
    }

    @Test
    void aSupervisedModelFillsEveryLayerOfTheUnsupervisedNetwork() {
        // the official unsupervised stage starts from the supervised PatchNet: a warm start (reid.train.init-from)
        // copies layers by name and parameter shapes, so every unsupervised layer must have its supervised twin
        ComputationGraph un = new PaulMethod(PaulConfig.from(PaulContractTest.tiny()))
                .initialize(new TrainingData(2, 1, new long[] {0}), SEED, null).network(PaulMethod.NETWORK);
        ComputationGraph sup = new PaulMethod(PaulConfig.from(PaulContractTest.tiny("supervised")))
                .initialize(new TrainingData(5, 1, new long[] {0}), SEED, null).network(PaulMethod.NETWORK);
        int layers = 0;
        for (org.deeplearning4j.nn.api.Layer l : un.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (l.paramTable().isEmpty()) continue;
            org.deeplearning4j.nn.api.Layer twin = sup.getLayer(name);
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                assertArrayEquals(p.getValue().shape(), twin.getParam(p.getKey()).shape(), name + "_" + p.getKey());
            }
            layers++;
        }
        assertTrue(layers > 20, layers + " layers with parameters");
    }
}
