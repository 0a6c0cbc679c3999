package org.reidspark.method;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a method learns of the training data: training clothes classes only, relabelled, their identities, keys. */
class TrainingDataTest {
    private static Sample s(String uri, int pid, int label, int cam, int clothes, Split split) {
        return new Sample(uri, pid, label, cam, clothes, split);
    }

    @Test
    void clothesClassesAreTheTrainingSplitsRelabelledInOrder() {
        // training clothes ids 7 and 3 (identity 0) and 5 (identity 1); the test split's 9 and 10 are not counted
        Manifest m = new Manifest("t", "mem:", List.of(
                s("a", 10, 0, 0, 7, Split.TRAIN), s("b", 10, 0, 1, 3, Split.TRAIN), s("c", 11, 1, 0, 5, Split.TRAIN),
                s("d", 11, 1, 1, 5, Split.TRAIN), s("q", 20, -1, 0, 9, Split.QUERY), s("g", 20, -1, 1, 10, Split.GALLERY)));
        TrainingData d = TrainingData.of(m);
        assertEquals(11, m.clothesClasses(), "the manifest counts every class");
        assertEquals(3, d.clothesClasses());
        assertArrayEquals(new long[] {0, 1, 2, 3}, d.trainKeys());
        assertArrayEquals(new int[] {2, 0, 1, 1}, d.trainClothes(), "3 -> 0, 5 -> 1, 7 -> 2");
        assertArrayEquals(new int[] {0, 1, 0}, d.clothesIdentities());
        assertArrayEquals(new int[] {1, 2, 1}, d.clothesOf(new long[] {2, 0, 3}));
        INDArray mask = d.positiveMask(new int[] {0, 1}, DataType.DOUBLE);
        assertEquals(List.of(1.0, 0.0, 1.0), List.of(mask.getDouble(0, 0), mask.getDouble(0, 1), mask.getDouble(0, 2)));
        assertEquals(List.of(0.0, 1.0, 0.0), List.of(mask.getDouble(1, 0), mask.getDouble(1, 1), mask.getDouble(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> d.clothesOf(new long[] {4}), "a query key");
    }

    @Test
    void withoutClothesThereAreNone() {
        Manifest m = new Manifest("t", "mem:", List.of(s("a", 1, 0, 0, -1, Split.TRAIN), s("b", 2, 1, 0, -1, Split.TRAIN)));
        TrainingData d = TrainingData.of(m);
        assertFalse(d.hasClothes());
        assertEquals(0, d.clothesClasses());
        assertThrows(IllegalArgumentException.class, () -> d.clothesOf(new long[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new TrainingData(4, 3), "classes without images' clothes");
    }

    @Test
    void aClothesIdOfTwoPeopleOrPartialLabelsFailNamingTheImages() {
        IllegalArgumentException shared = assertThrows(IllegalArgumentException.class, () -> TrainingData.of(new Manifest("t", "mem:",
                List.of(s("mem:a", 1, 0, 0, 4, Split.TRAIN), s("mem:b", 2, 1, 0, 4, Split.TRAIN)))));
        assertTrue(shared.getMessage().contains("mem:a") && shared.getMessage().contains("mem:b"), shared.getMessage());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> TrainingData.of(new Manifest("t", "mem:",
                List.of(s("mem:a", 1, 0, 0, 4, Split.TRAIN), s("mem:b", 2, 1, 0, -1, Split.TRAIN)))));
        assertTrue(partial.getMessage().contains("mem:b"), partial.getMessage());
    }

    @Test
    void shufflingWithinIdentitiesKeepsEachIdentitysClassesAndSizes() {
        List<Sample> samples = new ArrayList<>();
        for (int id = 0; id < 4; id++) {
            for (int j = 0; j < 12; j++) samples.add(s("mem:" + id + "_" + j, id + 1, id, j % 3, 3 * id + j / 4, Split.TRAIN));
        }
        TrainingData d = TrainingData.of(new Manifest("t", "mem:", samples));
        TrainingData shuffled = d.withClothesShuffledWithinIdentities(5);
        assertArrayEquals(d.clothesIdentities(), shuffled.clothesIdentities());
        Map<Integer, Integer> before = new HashMap<>();
        Map<Integer, Integer> after = new HashMap<>();
        int moved = 0;
        for (int i = 0; i < d.trainClothes().length; i++) {
            before.merge(d.trainClothes()[i], 1, Integer::sum);
            after.merge(shuffled.trainClothes()[i], 1, Integer::sum);
            assertEquals(d.clothesIdentities()[d.trainClothes()[i]], d.clothesIdentities()[shuffled.trainClothes()[i]], "image " + i);
            if (d.trainClothes()[i] != shuffled.trainClothes()[i]) moved++;
        }
        assertEquals(before, after, "every class keeps its size");
        assertTrue(moved > d.trainClothes().length / 3, "only " + moved + " images changed class");
        assertEquals(shuffled, d.withClothesShuffledWithinIdentities(5));
        assertFalse(shuffled.equals(d.withClothesShuffledWithinIdentities(6)));
    }

    @Test
    void anUnlabelledTrainingSplitHasNoIdentitiesAndOnlyALabelFreeMethodTakesIt() {
        Manifest m = new Manifest("t", "mem:", List.of(s("a", 10, 0, 0, 7, Split.TRAIN), s("b", 11, 1, 1, 3, Split.TRAIN),
                s("q", 20, -1, 0, 9, Split.QUERY), s("g", 20, -1, 1, 10, Split.GALLERY))).withoutTrainLabels();
        TrainingData d = TrainingData.of(m);
        assertEquals(0, d.identities());
        assertFalse(d.labeled());
        assertFalse(d.hasClothes(), "an unlabelled image has no outfit class");
        assertEquals(2, d.cameras());
        assertArrayEquals(new long[] {0, 1}, d.trainKeys());
        assertThrows(IllegalArgumentException.class, () -> new TrainingData(1, 0), "one identity is no training");
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> TrainingData.of(
                new Manifest("t", "mem:", List.of(s("q", 20, -1, 0, -1, Split.QUERY), s("g", 20, -1, 1, -1, Split.GALLERY)))));
        assertTrue(none.getMessage().contains("no training images"), none.getMessage());

        // BoT, CAL, DCR and supervised PAUL form P x K batches by identity: refused up front, naming the method and keys
        for (String method : List.of("bot", "cal", "dcr", "paul")) {
            com.typesafe.config.Config c = org.reidspark.config.ConfigLoader.load(List.of("reid.method=" + method,
                    "reid.paul.mode=supervised", "reid.model.last-stride=1"));
            Method x = Methods.of(c);
            org.reidspark.config.ConfigError e = assertThrows(org.reidspark.config.ConfigError.class, () -> d.requireLabelsIfUsed(x));
            assertTrue(e.getMessage().contains("method " + method) && e.getMessage().contains("reid.data.train-labels = read")
                    && e.getMessage().contains("unlabelled"), e.getMessage());
            TrainingData.of(new Manifest("t", "mem:", List.of(s("a", 10, 0, 0, -1, Split.TRAIN), s("b", 11, 1, 1, -1, Split.TRAIN))))
                    .requireLabelsIfUsed(x);
        }
        Method paul = Methods.of(org.reidspark.config.ConfigLoader.load(List.of("reid.method=paul", "reid.paul.mode=unsupervised",
                "reid.model.last-stride=1")));
        d.requireLabelsIfUsed(paul);
    }
}
