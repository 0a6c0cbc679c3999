package org.reidspark.jobs.augment;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.jobs.OutputLocation;

/**
 * {@code reid.augment-job}: which shard set the {@code augment} job makes PAUL's surrogates of, how many per image, and
 * where they are published. The surrogates themselves follow {@code reid.augment.surrogate}
 * ({@link org.reidspark.data.augment.SurrogateConfig}) and are seeded by {@code reid.run.seed}.
 *
 * @param shards         the published shard set (the {@code shard} or {@code train} job's) whose training images are
 *                       augmented
 * @param output         where the surrogate set is published; empty for {@code <reid.run.output>/<reid.run.name>-surrogates}
 * @param copies         S, surrogates per training image
 * @param faultPartition resilience tests only: this partition's task fails after writing its surrogates and before
 *                       marking itself complete, on every attempt; -1 = never
 */
public record AugmentJobConfig(String shards, String output, int copies, int faultPartition) {
    public static final String SECTION = "reid.augment-job";

    public AugmentJobConfig {
        if (shards.isBlank()) {
            throw ConfigError.badValue(SECTION + ".shards", shards,
                    "the published shard set to augment, e.g. --shards runs/local.shards or s3a://bucket/shards/market1501");
        }
        Check.inRange(SECTION + ".copies", copies, 1, 1000);
        if (faultPartition < -1) throw ConfigError.badValue(SECTION + ".fault-partition", faultPartition, "-1 or a partition index");
        OutputLocation.check(SECTION + ".output", output, "s3a://bucket/surrogates/market1501");
    }

    public static AugmentJobConfig from(Config c) {
        Config a = c.getConfig(SECTION);
        return new AugmentJobConfig(a.getString("shards"), a.getString("output"), a.getInt("copies"), a.getInt("fault-partition"));
    }

    /** The run directory the output is published as: {@code output}, or {@code <reid.run.output>/<reid.run.name>-surrogates}. */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, new RunConfig(run.name() + "-surrogates", run.output(), run.seed(), run.overwrite()));
    }
}
