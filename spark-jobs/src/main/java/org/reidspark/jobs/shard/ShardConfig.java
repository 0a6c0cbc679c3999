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
 */
public record ShardConfig(String output, int shards, double maxBadFraction) {
    public ShardConfig {
        Check.nonNegative("reid.shard.shards", shards);
        Check.inRange("reid.shard.max-bad-fraction", maxBadFraction, 0.0, 1.0);
        OutputLocation.check("reid.shard.output", output, "s3a://bucket/shards/market");
    }

    public static ShardConfig from(Config c) {
        Config s = c.getConfig("reid.shard");
        return new ShardConfig(s.getString("output"), s.getInt("shards"), s.getDouble("max-bad-fraction"));
    }

    /** The run directory the shard set is published as: {@code output} split into base and name, or {@code run}. */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, run);
    }
}
