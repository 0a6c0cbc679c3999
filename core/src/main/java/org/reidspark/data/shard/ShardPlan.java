package org.reidspark.data.shard;

import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which identity shard each sample of a manifest goes to. Every split is sharded on its own (train shards for
 * training; query and gallery shards so evaluation can embed them in parallel), and within a split every
 * person's images go to one shard, so P x K batches and in-batch losses are formed locally.
 *
 * <p>Balance: a split's persons are placed largest first (most images; ties by smaller pid) on the shard that
 * holds the fewest images so far (ties: the lower shard id), the longest-processing-time rule. Image counts of any
 * two shards then differ by at most the largest person's image count. A split gets
 * {@code min(shards, persons in the split)} shards, numbered from 0. The plan depends only on the samples and
 * the shard count, so it is the same on every run.
 *
 * <p>An unlabelled training split ({@link Sample#unlabeled}) has no persons to group: {@link #of} refuses it, and
 * {@link #byImage} shards it.
 */
public final class ShardPlan {
    /** One shard: its split, its id within the split, and the manifest indices of its samples (ascending). */
    public record Group(Split split, int shard, List<Integer> indices, int identities) {
        public Group {
            indices = List.copyOf(indices);
        }
    }

    private final int[] shardOf;
    private final Map<Split, Integer> counts;
    private final List<Group> groups;

    private ShardPlan(int[] shardOf, Map<Split, Integer> counts, List<Group> groups) {
        this.shardOf = shardOf;
        this.counts = counts;
        this.groups = groups;
    }

    /**
     * @param samples a manifest's samples; the manifest index of a sample is its position here
     * @param shards  the most shards any split is cut into (positive)
     * @throws IllegalArgumentException when a sample is unlabelled: it has no person to be grouped by
     */
    public static ShardPlan of(List<Sample> samples, int shards) {
        if (shards <= 0) throw new IllegalArgumentException("shard count must be positive, got " + shards);
        for (Sample s : samples) {
            if (!s.isLabeled()) {
                throw new IllegalArgumentException("cannot shard by identity: the " + s.split().lower() + " split is"
                        + " unlabelled (e.g. " + s.uri() + "), so there are no persons to group; shard it by image"
                        + " (reid.shard.by = image), or read the dataset with its labels (reid.data.train-labels = read)");
            }
        }
        int[] shardOf = new int[samples.size()];
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        List<Group> groups = new ArrayList<>();
        for (Split split : Split.values()) {
            // pid -> its samples' indices, pids ascending
            TreeMap<Integer, List<Integer>> persons = new TreeMap<>();
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                if (s.split() == split) persons.computeIfAbsent(s.pid(), k -> new ArrayList<>()).add(i);
            }
            int n = Math.min(shards, persons.size());
            counts.put(split, n);
            if (n == 0) continue;
            List<Map.Entry<Integer, List<Integer>>> order = new ArrayList<>(persons.entrySet());
            order.sort(Comparator.<Map.Entry<Integer, List<Integer>>>comparingInt(e -> -e.getValue().size())
                    .thenComparingInt(Map.Entry::getKey));
            long[] load = new long[n];
            List<List<Integer>> members = new ArrayList<>();
            int[] identities = new int[n];
            for (int k = 0; k < n; k++) members.add(new ArrayList<>());
            for (Map.Entry<Integer, List<Integer>> person : order) {
                int best = 0;
                for (int k = 1; k < n; k++) if (load[k] < load[best]) best = k;
                load[best] += person.getValue().size();
                identities[best]++;
                members.get(best).addAll(person.getValue());
                for (int i : person.getValue()) shardOf[i] = best;
            }
            for (int k = 0; k < n; k++) {
                Collections.sort(members.get(k));
                groups.add(new Group(split, k, members.get(k), identities[k]));
            }
        }
        return new ShardPlan(shardOf, counts, List.copyOf(groups));
    }

    /**
     * A plan that shards by image, not by identity, for training that must not read identity labels (PAUL's
     * unsupervised mode: https://arxiv.org/abs/1904.01308): every split's images are put in a seeded random order
     * (a function of the seed and the number of images only: no person id, label or uri is read) and cut into
     * {@code min(shards, images)} blocks whose sizes differ by at most one, each block a shard. A shard's
     * {@code identities} is the number of distinct person ids in it (0 for unlabelled samples), for the shard summary
     * only.
     *
     * @param samples a manifest's samples; the manifest index of a sample is its position here
     * @param shards  the most shards any split is cut into (positive)
     * @param seed    the order's seed
     */
    public static ShardPlan byImage(List<Sample> samples, int shards, long seed) {
        if (shards <= 0) throw new IllegalArgumentException("shard count must be positive, got " + shards);
        int[] shardOf = new int[samples.size()];
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        List<Group> groups = new ArrayList<>();
        for (Split split : Split.values()) {
            List<Integer> images = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) if (samples.get(i).split() == split) images.add(i);
            int n = Math.min(shards, images.size());
            counts.put(split, n);
            if (n == 0) continue;
            java.util.SplittableRandom rnd = org.reidspark.data.Seeds.random(seed, 0x53484152L, split.ordinal());
            for (int i = images.size() - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                Integer t = images.get(i);
                images.set(i, images.get(j));
                images.set(j, t);
            }
            int m = images.size();
            for (int k = 0; k < n; k++) {
                List<Integer> members = new ArrayList<>(images.subList((int) ((long) k * m / n), (int) ((long) (k + 1) * m / n)));
                Collections.sort(members);
                for (int i : members) shardOf[i] = k;
                int identities = (int) members.stream().filter(i -> samples.get(i).isLabeled())
                        .mapToInt(i -> samples.get(i).pid()).distinct().count();
                groups.add(new Group(split, k, members, identities));
            }
        }
        return new ShardPlan(shardOf, counts, List.copyOf(groups));
    }

    /** The shard (within its split) of the sample at manifest index {@code index}. */
    public int shard(int index) {
        return shardOf[index];
    }

    /** How many shards {@code split} has (0 when the split is empty). */
    public int shards(Split split) {
        return counts.get(split);
    }

    /** Every shard, train first, then query, then gallery; by id within a split. */
    public List<Group> groups() {
        return groups;
    }
}
