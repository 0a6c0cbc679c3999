package org.reidspark.data.sampling;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentitySamplerTest {
    /** Identity {@code i} (label i) has {@code counts[i]} images. */
    static List<Sample> samples(int... counts) {
        List<Sample> out = new ArrayList<>();
        for (int id = 0; id < counts.length; id++) {
            for (int j = 0; j < counts[id]; j++) {
                out.add(new Sample("/data/" + id + "_" + j + ".jpg", 100 + id, id, j % 6, -1, Split.TRAIN));
            }
        }
        return out;
    }

    static void assertPxK(IdentitySampler s, int[] batch) {
        int p = s.p();
        int k = s.k();
        assertEquals(p * k, batch.length);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < p; i++) {
            int label = s.samples().get(batch[i * k]).label();
            assertTrue(ids.add(label), "identity " + label + " twice in a batch");
            for (int j = 0; j < k; j++) assertEquals(label, s.samples().get(batch[i * k + j]).label(), "K consecutive per identity");
        }
    }

    @Test
    void everyBatchHasPDistinctIdentitiesWithKImagesEach() {
        int[] counts = new int[40];
        for (int i = 0; i < counts.length; i++) counts[i] = 1 + (i * 7) % 23;
        IdentitySampler s = new IdentitySampler(samples(counts), 8, 4, 42);
        for (int epoch = 0; epoch < 3; epoch++) {
            List<int[]> batches = s.epoch(epoch);
            assertFalse(batches.isEmpty());
            for (int[] b : batches) assertPxK(s, b);
        }
    }

    @Test
    void anEpochCoversTheIdentitiesAndImagesAboutOnce() {
        int[] counts = new int[50];
        for (int i = 0; i < counts.length; i++) counts[i] = 4 + (i * 5) % 17;
        List<Sample> all = samples(counts);
        IdentitySampler s = new IdentitySampler(all, 6, 4, 7);
        List<int[]> batches = s.epoch(0);
        Map<Integer, Integer> uses = new HashMap<>();
        Set<Integer> ids = new HashSet<>();
        for (int[] b : batches) {
            for (int i : b) {
                uses.merge(i, 1, Integer::sum);
                ids.add(all.get(i).label());
            }
        }
        // every identity has at least K images here, so no image is drawn twice in an epoch
        assertTrue(uses.values().stream().allMatch(n -> n == 1), "an image repeated within an epoch");
        // the epoch ends when fewer than P identities have groups left; all others were used up
        assertTrue(ids.size() >= 50 - (6 - 1), "identities covered: " + ids.size());
        long upper = s.imagesPerEpoch();
        int maxCount = Arrays.stream(counts).max().getAsInt();
        long images = (long) batches.size() * s.batchSize();
        assertTrue(images <= upper && images >= upper - (6 - 1) * (long) maxCount,
                images + " images drawn, BoT's estimate " + upper);
    }

    @Test
    void deterministicFromSeedAndEpoch() {
        List<Sample> all = samples(5, 9, 4, 12, 6, 8, 4, 7, 3, 10);
        IdentitySampler a = new IdentitySampler(all, 4, 2, 1);
        IdentitySampler b = new IdentitySampler(all, 4, 2, 1);
        assertBatchesEqual(a.epoch(3), b.epoch(3));
        assertFalse(same(a.epoch(3), a.epoch(4)), "epochs differ");
        assertFalse(same(a.epoch(3), new IdentitySampler(all, 4, 2, 2).epoch(3)), "seeds differ");
    }

    @Test
    void identitiesVisitedInADifferentOrderEachEpoch() {
        List<Sample> all = samples(4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
        IdentitySampler s = new IdentitySampler(all, 3, 4, 5);
        Set<List<Integer>> orders = new HashSet<>();
        for (int epoch = 0; epoch < 6; epoch++) {
            List<Integer> order = new ArrayList<>();
            for (int[] b : s.epoch(epoch)) for (int i = 0; i < b.length; i += 4) order.add(all.get(b[i]).label());
            assertEquals(12, order.size(), "4 images each, K = 4: every identity exactly once");
            orders.add(order);
        }
        assertEquals(6, orders.size());
    }

    @Test
    void identitiesWithFewerThanKImagesAreDrawnWithReplacement() {
        List<Sample> all = samples(2, 1, 3, 9);
        IdentitySampler s = new IdentitySampler(all, 4, 4, 11);
        List<int[]> batches = s.epoch(0);
        assertEquals(1, batches.size(), "the short identities give one group each, then fewer than P remain");
        int[] b = batches.get(0);
        assertPxK(s, b);
        for (int i = 0; i < 4; i++) {
            int label = all.get(b[i * 4]).label();
            Set<Integer> distinct = new HashSet<>();
            for (int j = 0; j < 4; j++) distinct.add(b[i * 4 + j]);
            int available = new int[]{2, 1, 3, 9}[label];
            assertTrue(distinct.size() <= Math.min(available, 4), "identity " + label + " drew " + distinct);
            if (available >= 4) assertEquals(4, distinct.size());
        }
    }

    @Test
    void worksOnASubsetOfIdentities() {
        List<Sample> all = samples(5, 6, 7, 8, 9, 10, 11, 12);
        List<Sample> shard = new ArrayList<>();
        for (Sample x : all) if (x.label() % 2 == 1) shard.add(x);
        IdentitySampler s = new IdentitySampler(shard, 2, 4, 3);
        assertEquals(4, s.identities());
        for (int[] b : s.epoch(0)) {
            assertPxK(s, b);
            for (int i : b) assertEquals(1, shard.get(i).label() % 2);
        }
    }

    @Test
    void tooFewIdentitiesOrUnlabelledSamplesFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IdentitySampler(samples(4, 4, 4), 16, 4, 1));
        assertTrue(e.getMessage().contains("3 identities") && e.getMessage().contains("reid.sampler.p"), e.getMessage());
        List<Sample> withQuery = new ArrayList<>(samples(4, 4));
        withQuery.add(new Sample("/data/q.jpg", 5, -1, 0, -1, Split.QUERY));
        e = assertThrows(IllegalArgumentException.class, () -> new IdentitySampler(withQuery, 2, 2, 1));
        assertTrue(e.getMessage().contains("/data/q.jpg"), e.getMessage());
    }

    @Test
    void sequentialBatchesCoverInOrder() {
        List<int[]> b = Sequential.batches(7, 3);
        assertEquals(3, b.size());
        assertArrayEquals(new int[]{0, 1, 2}, b.get(0));
        assertArrayEquals(new int[]{6}, b.get(2));
        assertTrue(Sequential.batches(0, 3).isEmpty());
    }

    @Test
    void samplerConfigDefaultsAreBots() {
        assertEquals(new SamplerConfig(16, 4), SamplerConfig.from(ConfigLoader.load(List.of())));
        ConfigError e = assertThrows(ConfigError.class,
                () -> SamplerConfig.from(ConfigLoader.load(List.of("reid.sampler.k=0"))));
        assertTrue(e.getMessage().contains("reid.sampler.k"), e.getMessage());
    }

    private static boolean same(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!Arrays.equals(a.get(i), b.get(i))) return false;
        return true;
    }

    private static void assertBatchesEqual(List<int[]> a, List<int[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i));
    }
}
