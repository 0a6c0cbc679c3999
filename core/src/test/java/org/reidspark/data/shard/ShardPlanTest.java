package org.reidspark.data.shard;

import org.junit.jupiter.api.Test;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardPlanTest {
    /** Samples of {@code split}: person {@code pids[i]} gets {@code counts[i]} images. */
    private static void add(List<Sample> out, Split split, int[] pids, int[] counts) {
        Map<Integer, Integer> labels = new HashMap<>();
        for (int i = 0; i < pids.length; i++) {
            for (int k = 0; k < counts[i]; k++) {
                int label = split == Split.TRAIN ? labels.computeIfAbsent(pids[i], p -> labels.size()) : -1;
                out.add(new Sample("file:/d/" + split.lower() + "/" + pids[i] + "_" + k + ".jpg", pids[i], label, k % 3, -1, split));
            }
        }
    }

    @Test
    void largestPersonsFirstOnTheLeastLoadedShard() {
        List<Sample> samples = new ArrayList<>();
        add(samples, Split.TRAIN, new int[]{1, 2, 3, 4, 5}, new int[]{5, 4, 3, 3, 3});
        ShardPlan plan = ShardPlan.of(samples, 2);
        // by hand: p1(5)->0, p2(4)->1, p3(3)->1 (7), p4(3)->0 (8), p5(3)->1 (10)
        Map<Integer, Integer> shardOfPid = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) shardOfPid.put(samples.get(i).pid(), plan.shard(i));
        assertEquals(Map.of(1, 0, 2, 1, 3, 1, 4, 0, 5, 1), shardOfPid);
        assertEquals(2, plan.groups().size());
        assertEquals(8, plan.groups().get(0).indices().size());
        assertEquals(2, plan.groups().get(0).identities());
        assertEquals(10, plan.groups().get(1).indices().size());
        assertEquals(3, plan.groups().get(1).identities());
    }

    @Test
    void everyPersonInOneShardAndShardsBalanced() {
        Random r = new Random(7);
        List<Sample> samples = new ArrayList<>();
        int[] trainPids = new int[40];
        int[] trainCounts = new int[40];
        for (int i = 0; i < 40; i++) {
            trainPids[i] = 3 * i + 1;
            trainCounts[i] = 1 + r.nextInt(12);
        }
        add(samples, Split.TRAIN, trainPids, trainCounts);
        add(samples, Split.QUERY, new int[]{500, 501}, new int[]{2, 1});
        add(samples, Split.GALLERY, new int[]{0, 500, 501, 502}, new int[]{9, 3, 4, 2});
        int shards = 3;
        ShardPlan plan = ShardPlan.of(samples, shards);

        assertEquals(3, plan.shards(Split.TRAIN));
        assertEquals(2, plan.shards(Split.QUERY), "a split gets at most one shard per person");
        assertEquals(3, plan.shards(Split.GALLERY));

        Set<Integer> seen = new HashSet<>();
        for (ShardPlan.Group g : plan.groups()) {
            for (int i : g.indices()) {
                assertTrue(seen.add(i), "sample " + i + " in two shards");
                assertEquals(g.split(), samples.get(i).split());
                assertEquals(g.shard(), plan.shard(i));
            }
        }
        assertEquals(samples.size(), seen.size(), "every sample in a shard");

        for (Split split : Split.values()) {
            Map<Integer, Set<Integer>> shardsOfPid = new HashMap<>();
            Map<Integer, Integer> perPid = new HashMap<>();
            for (int i = 0; i < samples.size(); i++) {
                if (samples.get(i).split() != split) continue;
                shardsOfPid.computeIfAbsent(samples.get(i).pid(), p -> new HashSet<>()).add(plan.shard(i));
                perPid.merge(samples.get(i).pid(), 1, Integer::sum);
            }
            shardsOfPid.forEach((pid, s) -> assertEquals(1, s.size(), split + " pid " + pid + " in shards " + s));
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (ShardPlan.Group g : plan.groups()) {
                if (g.split() != split) continue;
                min = Math.min(min, g.indices().size());
                max = Math.max(max, g.indices().size());
            }
            int largest = perPid.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(max - min <= largest, split + ": loads " + min + ".." + max + " differ by more than the largest person (" + largest + ")");
        }
    }

    @Test
    void emptySplitHasNoShardsAndBadCountFails() {
        List<Sample> samples = new ArrayList<>();
        add(samples, Split.TRAIN, new int[]{1, 2}, new int[]{2, 2});
        ShardPlan plan = ShardPlan.of(samples, 4);
        assertEquals(2, plan.shards(Split.TRAIN));
        assertEquals(0, plan.shards(Split.QUERY));
        assertEquals(2, plan.groups().size());
        assertThrows(IllegalArgumentException.class, () -> ShardPlan.of(samples, 0));
    }

    @Test
    void byImageCutsEverySplitIntoEqualBlocksWithoutLookingAtPersons() {
        List<Sample> samples = new ArrayList<>();
        add(samples, Split.TRAIN, new int[]{1, 2, 3}, new int[]{6, 3, 2});
        add(samples, Split.QUERY, new int[]{7, 8}, new int[]{1, 1});
        ShardPlan plan = ShardPlan.byImage(samples, 3, 42);
        assertEquals(3, plan.shards(Split.TRAIN));
        assertEquals(2, plan.shards(Split.QUERY), "no more shards than images");
        int[] sizes = new int[3];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (ShardPlan.Group g : plan.groups()) {
            if (g.split() != Split.TRAIN) continue;
            sizes[g.shard()] = g.indices().size();
            for (int i : g.indices()) {
                assertEquals(g.shard(), plan.shard(i));
                assertTrue(seen.add(i), "image " + i + " in one shard");
            }
        }
        assertEquals(11, seen.size(), "every training image has a shard");
        java.util.Arrays.sort(sizes);
        assertTrue(sizes[2] - sizes[0] <= 1, "blocks differ by at most one image: " + java.util.Arrays.toString(sizes));
        // person 1's six images are not kept together (identity sharding would put them on one shard)
        java.util.Set<Integer> shardsOfPerson1 = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) shardsOfPerson1.add(plan.shard(i));
        assertTrue(shardsOfPerson1.size() > 1, "person 1 spread over shards");
        // the plan reads no person: the same images with other pids and labels get the same shards
        List<Sample> relabelled = new ArrayList<>();
        for (Sample s : samples) {
            int pid = s.split() == Split.TRAIN ? 10 - s.pid() : s.pid();
            relabelled.add(new Sample(s.uri(), pid, s.split() == Split.TRAIN ? 3 - s.label() - 1 : -1, s.camid(), -1, s.split()));
        }
        ShardPlan other = ShardPlan.byImage(relabelled, 3, 42);
        for (int i = 0; i < samples.size(); i++) assertEquals(plan.shard(i), other.shard(i), "image " + i);
        ShardPlan reseeded = ShardPlan.byImage(samples, 3, 43);
        boolean differs = false;
        for (int i = 0; i < samples.size(); i++) differs |= plan.shard(i) != reseeded.shard(i);
        assertTrue(differs, "the seed sets the order");
    }

    @Test
    void anUnlabelledTrainingSplitIsShardedByImageAndRefusedByIdentity() {
        List<Sample> labelled = new ArrayList<>();
        add(labelled, Split.TRAIN, new int[]{1, 2, 3, 4}, new int[]{3, 2, 4, 1});
        add(labelled, Split.QUERY, new int[]{8, 9}, new int[]{1, 1});
        List<Sample> samples = new ArrayList<>();
        for (Sample s : labelled) samples.add(s.withoutLabel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardPlan.of(samples, 2));
        assertTrue(e.getMessage().contains("unlabelled") && e.getMessage().contains("reid.shard.by = image")
                && e.getMessage().contains(samples.get(0).uri()), e.getMessage());
        ShardPlan plan = ShardPlan.byImage(samples, 3, 42);
        ShardPlan withLabels = ShardPlan.byImage(labelled, 3, 42);
        assertEquals(3, plan.shards(Split.TRAIN));
        for (int i = 0; i < samples.size(); i++) assertEquals(withLabels.shard(i), plan.shard(i), "labels never decide a shard");
        for (ShardPlan.Group g : plan.groups()) {
            if (g.split() == Split.TRAIN) {
                assertEquals(0, g.identities(), "no persons in an unlabelled shard");
                assertTrue(g.indices().size() == 3 || g.indices().size() == 4, g.toString());
            } else {
                assertEquals(1, g.identities(), "the query keeps its persons");
            }
        }
    }
}
