package org.reidspark.jobs.shard;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.RunConfig;
import org.reidspark.jobs.OutputLocation;

/**
 * {@code reid.shard}: where the shard job publishes and how it cuts the dataset.
 *
 * @param output         the shard set's location (local path or URI); empty for {@code <reid.run.output>/<reid.run.name>}
 * @param shards         shards per split; 0 for Spark's default parallelism
 * @param maxBadFraction the largest fraction of unreadable images the job accepts, in [0, 1]
 * @param by             how the training images are grouped into shards: {@code identity} (a person's images in one
 *                       shard, for identity-balanced batches) or {@code image} (a seeded order of the images cut into
 *                       equal blocks, no person read: for training without labels, where grouping by person would
 *                       leak the labels into the batches)
 */
public record ShardConfig(String output, int shards, double maxBadFraction, String by) {
    /** The groupings {@code reid.shard.by} knows. */
    public static final java.util.List<String> GROUPINGS = java.util.List.of("identity", "image");

    public ShardConfig {
        if (!GROUPINGS.contains(by)) {
            throw new org.reidspark.config.ConfigError("reid.shard.by: unknown grouping '" + by + "'; known: " + String.join(", ", GROUPINGS));
        }
        Check.nonNegative("reid.shard.shards", shards);
        Check.inRange("reid.shard.max-bad-fraction", maxBadFraction, 0.0, 1.0);
        OutputLocation.check("reid.shard.output", output, "s3a://bucket/shards/market");
    }

    public static ShardConfig from(Config c) {
        Config s = c.getConfig("reid.shard");
        return new ShardConfig(s.getString("output"), s.getInt("shards"), s.getDouble("max-bad-fraction"), s.getString("by"));
    }

    /** The shard plan of {@code samples} in {@code shards} shards per split, grouped as {@link #by}. */
    public org.reidspark.data.shard.ShardPlan plan(java.util.List<org.reidspark.data.Sample> samples, int shards, long seed) {
        switch (by) {
            case "identity":
                return org.reidspark.data.shard.ShardPlan.of(samples, shards);
            case "image":
                return org.reidspark.data.shard.ShardPlan.byImage(samples, shards, seed);
            default:
                throw new IllegalStateException("reid.shard.by: " + by);
        }
    }

    /** The run directory the shard set is published as: {@code output} split into base and name, or {@code run}. */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, run);
    }
}
