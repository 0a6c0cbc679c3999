package org.reidspark.method.paul;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.InputBatches;
import org.reidspark.train.KeyedState;
import org.reidspark.train.Round;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPFL's global negatives ({@code reid.paul.ipfl.negatives = global}): mined over the whole image memory, exactly as
 * brute force, refreshed on the configured epochs by the step's {@link Step#startEpoch}, and used by the step.
 */
class GlobalNegativesTest {
    private static final long SEED = 9;

    /** A memory in {@link BankState}'s layout from {@code values [n][D]}; null rows have no entry. */
    private static KeyedState memory(double[][] values, int d) {
        long[] keys = new long[values.length];
        INDArray rows = Nd4j.zeros(DataType.FLOAT, values.length, 1 + d);
        for (int i = 0; i < values.length; i++) {
            keys[i] = 100 + 7L * i;
            if (values[i] == null) continue;
            rows.putScalar(i, 0, 1.0);
            for (int k = 0; k < d; k++) rows.putScalar(i, 1 + k, values[i][k]);
        }
        return new KeyedState(keys, rows);
    }

    @Test
    void aHandComputedCaseWithAnImageWithoutAnEntry() {
        // 1-d points 0, 1, 10, 11 (row 2 has no entry). Walk from 0: 1 has 0 in its top 2 (0, 10), 10 does not (11, 1):
        // 0 -> 10. From 11: 10 holds 11, 1 does not (0, 10): 11 -> 1. From 1 and 10 every candidate holds them: none.
        KeyedState m = memory(new double[][] {{0}, {1}, null, {10}, {11}}, 1);
        assertArrayEquals(new int[] {3, -1, -1, -1, 1}, GlobalNegatives.mine(m, CyclicRanking.official()));
        assertArrayEquals(new int[] {-1, -1, -1}, GlobalNegatives.mine(memory(new double[][] {null, {4}, null}, 1), CyclicRanking.official()),
                "one entry: nothing to mine");
    }

    @Test
    void equalsBruteForceOnASetWithTiesAndEmptyRows() {
        Random r = new Random(4);
        int n = 300;
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            if (i % 11 == 5) continue; // no entry
            v[i] = new double[] {r.nextInt(4), r.nextInt(4), r.nextInt(3)}; // many exact ties
        }
        KeyedState m = memory(v, 3);
        for (CyclicRanking ranking : List.of(CyclicRanking.official(), new CyclicRanking(40, 6), new CyclicRanking(2, 2))) {
            List<Integer> filled = new ArrayList<>();
            for (int i = 0; i < n; i++) if (v[i] != null) filled.add(i);
            double[][] set = filled.stream().map(i -> v[i]).toArray(double[][]::new);
            int[][] lists = CyclicRanking.neighbourLists(Nd4j.createFromArray(set), Math.max(ranking.maxCandidates(), ranking.nearest() - 1));
            int[] brute = ranking.global(lists);
            int[] expected = new int[n];
            Arrays.fill(expected, CyclicRanking.NONE);
            for (int j = 0; j < filled.size(); j++) if (brute[j] >= 0) expected[filled.get(j)] = filled.get(brute[j]);
            assertArrayEquals(expected, GlobalNegatives.mine(m, ranking), ranking.maxCandidates() + "/" + ranking.nearest());
        }
    }

    @Test
    void theStateKeepsRowIndicesAndRefusesWhatAFloatCannotHold() {
        KeyedState s = GlobalNegatives.state(new long[] {3, 5, 9}, new int[] {2, -1, 0});
        assertEquals(2, GlobalNegatives.negativeOf(s, 3));
        assertEquals(-1, GlobalNegatives.negativeOf(s, 5));
        assertEquals(0, GlobalNegatives.negativeOf(s, 9));
        for (int i = 0; i < 3; i++) assertFalse(s.touched(i), "driver-written rows are not marked touched");
        assertThrows(IllegalArgumentException.class, () -> GlobalNegatives.state(new long[] {1, 2}, new int[] {0}));
    }

    @Test
    void anUnknownNegativesSettingFailsListingTheKnownOnes() {
        Config c = PaulContractTest.tiny().withValue("reid.paul.ipfl.negatives", ConfigValueFactory.fromAnyRef("nearest"));
        ConfigError e = assertThrows(ConfigError.class, () -> PaulConfig.from(c));
        assertTrue(e.getMessage().contains("reid.paul.ipfl.negatives") && e.getMessage().contains("in-batch")
                && e.getMessage().contains("global"), e.getMessage());
        assertEquals("in-batch", ConfigLoader.load(List.of("reid.method=paul")).getString("reid.paul.ipfl.negatives"),
                "the official in-batch mining is the default");
        Config zero = PaulContractTest.tiny().withValue("reid.paul.ipfl.refresh-every", ConfigValueFactory.fromAnyRef(0));
        assertThrows(ConfigError.class, () -> PaulConfig.from(zero));
    }

    private static List<Batch> epoch(Method m, ContractData d, int epoch) {
        List<Batch> out = new ArrayList<>();
        try (InputBatches b = new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), d.images(), new LoaderConfig(1, 2), SEED)) {
            Iterator<Batch> it = b.epoch(epoch);
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    private static StepContext context(int epoch, long iteration) {
        return new StepContext(epoch, 10, 10, iteration, 1.0, Round.mix(SEED, iteration));
    }

    private static int[] bruteForce(KeyedState memory) {
        return GlobalNegatives.mine(memory, CyclicRanking.official());
    }

    @Test
    void theStepMinesBeforeTheRightEpochsAndTrainsAgainstTheMinedImages() throws Exception {
        Config global = PaulContractTest.tiny()
                .withValue("reid.paul.ipfl.negatives", ConfigValueFactory.fromAnyRef("global"))
                .withValue("reid.paul.ipfl.refresh-every", ConfigValueFactory.fromAnyRef(2));
        Method m = Methods.of(global);
        Method inBatch = Methods.of(PaulContractTest.tiny());
        ContractData d = new ContractData(6, 64, 48);
        TrainingData data = TrainingData.of(d.manifest());
        TrainingState s = m.initialize(data, SEED, null);
        Step step = m.step(data, SEED);
        step.startEpoch(s, 0);
        assertNull(GlobalNegatives.of(s), "an empty memory: nothing mined, the batch's negatives are used");
        long it = 0;
        for (Batch b : epoch(m, d, 0)) step.apply(b, s, context(0, it++));
        KeyedState memory = s.keyed(PaulMethod.IMAGE_MEMORY);
        assertTrue(BankState.size(memory) >= 2);

        step.startEpoch(s, 1); // not a multiple of 2, but nothing was mined yet
        KeyedState mined = GlobalNegatives.of(s);
        assertNotNull(mined);
        int[] expected = bruteForce(memory);
        int found = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], GlobalNegatives.negativeOf(mined, memory.keys()[i]), "image " + i);
            assertNotEquals(i, expected[i], "never the image itself");
            if (expected[i] >= 0) found++;
        }
        assertTrue(found > 0, "some image has a negative");
        TrainingState resumed = TrainingState.read(new ByteArrayInputStream(s.toBytes()));
        assertEquals(mined.rows(), GlobalNegatives.of(resumed).rows(), "checkpoints carry the negatives");

        // a step with the mined negatives against the same step mining in the batch, from the same state
        Batch b = epoch(m, d, 1).get(0);
        TrainingState copy = s.copy();
        Map<String, Double> g = step.apply(b, s, context(1, it));
        Map<String, Double> ib = inBatch.step(data, SEED).apply(b, copy, context(1, it));
        int withNegative = 0;
        for (long key : b.keys()) if (GlobalNegatives.negativeOf(mined, key) >= 0) withNegative++;
        assertEquals(withNegative / (double) b.keys().length, g.get("negatives"), 1e-12, "the mined images are the negatives");
        assertNotEquals(ib.get("ipfl"), g.get("ipfl"), "global negatives give another IPFL than the batch's");
        assertEquals(ib.get("pedal"), g.get("pedal"), 1e-9, "PEDAL is untouched");

        INDArray before = mined.rows().dup();
        step.startEpoch(s, 3);
        assertEquals(before, GlobalNegatives.of(s).rows(), "epoch 3 is not a refresh epoch at refresh-every 2");
        step.startEpoch(s, 4);
        int[] again = bruteForce(s.keyed(PaulMethod.IMAGE_MEMORY));
        for (int i = 0; i < again.length; i++) {
            assertEquals(again[i], GlobalNegatives.negativeOf(GlobalNegatives.of(s), memory.keys()[i]), "refreshed, image " + i);
        }
        // in-batch mode never mines
        TrainingState plain = inBatch.initialize(data, SEED, null);
        plain.keyed(PaulMethod.IMAGE_MEMORY).rows().assign(s.keyed(PaulMethod.IMAGE_MEMORY).rows());
        inBatch.step(data, SEED).startEpoch(plain, 2);
        assertNull(GlobalNegatives.of(plain));
    }
}
