package org.reidspark.jobs.extract;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.jobs.OutputLocation;

/**
 * {@code reid.extract}: which model embeds which images, where the embeddings are published and how the input list is
 * cut into partitions.
 *
 * @param model              the published training run whose network embeds (local path or URI)
 * @param input              an image prefix (folder, s3a://, hdfs://) listed recursively; empty when {@code manifest} is set
 * @param manifest           a Parquet table with a {@code uri} column (e.g. a shard set's {@code manifest.parquet});
 *                           empty when {@code input} is set
 * @param output             where the output is published; empty for {@code <reid.run.output>/<reid.run.name>-embeddings}
 * @param partitions         partitions of the sorted input list; 0 for {@code ceil(images / imagesPerPartition)}
 * @param imagesPerPartition images per partition when {@code partitions} is 0
 * @param maxBadFraction     the largest fraction of unreadable images the job publishes; above it, it fails
 * @param faultPartition     resilience tests only: this partition's task fails after writing its embeddings and
 *                           before marking itself complete, on every attempt; -1 = never
 */
public record ExtractConfig(String model, String input, String manifest, String output, int partitions,
                            int imagesPerPartition, double maxBadFraction, int faultPartition, boolean npy) {
    public ExtractConfig {
        if (model.isBlank()) {
            throw ConfigError.badValue("reid.extract.model", model,
                    "the published training run whose model embeds, e.g. --model runs/local or s3a://bucket/runs/r50");
        }
        if (input.isBlank() == manifest.isBlank()) {
            throw new ConfigError("give exactly one of reid.extract.input (an image prefix, --input) and "
                    + "reid.extract.manifest (a Parquet manifest with a uri column, --manifest); got "
                    + (input.isBlank() ? "neither" : "both: \"" + input + "\" and \"" + manifest + "\""));
        }
        Check.nonNegative("reid.extract.partitions", partitions);
        Check.positive("reid.extract.images-per-partition", imagesPerPartition);
        Check.inRange("reid.extract.max-bad-fraction", maxBadFraction, 0, 1);
        if (faultPartition < -1) throw ConfigError.badValue("reid.extract.fault-partition", faultPartition, "-1 or a partition index");
        OutputLocation.check("reid.extract.output", output, "s3a://bucket/embeddings/gallery");
    }

    public static ExtractConfig from(Config c) {
        Config e = c.getConfig("reid.extract");
        return new ExtractConfig(e.getString("model"), e.getString("input"), e.getString("manifest"), e.getString("output"),
                e.getInt("partitions"), e.getInt("images-per-partition"), e.getDouble("max-bad-fraction"),
                e.getInt("fault-partition"), e.getBoolean("npy"));
    }

    /** The input as named in the config: the prefix or the manifest. */
    public String source() {
        return input.isBlank() ? manifest : input;
    }

    /** The partition count for {@code images} images (never more partitions than images). */
    public int partitionsFor(int images) {
        int p = partitions > 0 ? partitions : (int) Math.ceil(images / (double) imagesPerPartition);
        return Math.max(1, Math.min(p, images));
    }

    /**
     * The run directory the output is published as: {@code output} split into base and name, or
     * {@code <reid.run.output>/<reid.run.name>-embeddings} (beside, never onto, the training run of the same name).
     */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, new RunConfig(run.name() + "-embeddings", run.output(), run.seed(), run.overwrite()));
    }
}
