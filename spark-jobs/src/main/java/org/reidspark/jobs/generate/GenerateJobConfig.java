package org.reidspark.jobs.generate;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.jobs.OutputLocation;

/**
 * {@code reid.generate-job}: which trained DG-Net run generates, from which shard set's training images, how many
 * images per structure image, and where they are published. Seeded by {@code reid.run.seed}.
 *
 * @param model          a published DG-Net training run (its Ea, Es and G; its teacher, when it had one, gives the soft
 *                       labels)
 * @param shards         the published shard set of the run's training data (the {@code shard} or {@code train} job's)
 * @param output         where the generated set is published; empty for {@code <reid.run.output>/<reid.run.name>-generated}
 * @param copies         generated images per training image (each its structure, with another identity's appearance)
 * @param faultPartition resilience tests only: this partition's task fails after writing its images and before marking
 *                       itself complete, on every attempt; -1 = never
 */
public record GenerateJobConfig(String model, String shards, String output, int copies, int faultPartition) {
    public static final String SECTION = "reid.generate-job";

    public GenerateJobConfig {
        if (model.isBlank()) {
            throw ConfigError.badValue(SECTION + ".model", model, "a published DG-Net training run, e.g. --model runs/market1501-dgnet");
        }
        if (shards.isBlank()) {
            throw ConfigError.badValue(SECTION + ".shards", shards,
                    "the published shard set of the run's training data, e.g. --shards runs/local.shards");
        }
        Check.inRange(SECTION + ".copies", copies, 1, 100);
        if (faultPartition < -1) throw ConfigError.badValue(SECTION + ".fault-partition", faultPartition, "-1 or a partition index");
        OutputLocation.check(SECTION + ".output", output, "s3a://bucket/generated/market1501");
    }

    public static GenerateJobConfig from(Config c) {
        Config g = c.getConfig(SECTION);
        return new GenerateJobConfig(g.getString("model"), g.getString("shards"), g.getString("output"), g.getInt("copies"),
                g.getInt("fault-partition"));
    }

    /** The run directory the output is published as: {@code output}, or {@code <reid.run.output>/<reid.run.name>-generated}. */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, new RunConfig(run.name() + "-generated", run.output(), run.seed(), run.overwrite()));
    }
}
