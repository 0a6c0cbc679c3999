package org.reidspark.jobs.extract;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Split;
import org.reidspark.jobs.OutputLocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code reid.extract}: which model embeds which images, where the embeddings are published and how the input list is
 * cut into partitions.
 *
 * @param model              the published training run whose network embeds (local path or URI)
 * @param input              an image prefix (folder, s3a://, hdfs://) listed recursively; empty when {@code manifest} is set
 * @param manifest           a Parquet table with a {@code uri} column (e.g. a shard set's {@code manifest.parquet});
 *                           empty when {@code input} or {@code shards} is set
 * @param shards             a published shard set whose stored images (decoded and resized once by the {@code shard}
 *                           job) are embedded without decoding any file; empty when {@code input} or {@code manifest} is set
 * @param splits             with {@code shards}: the splits embedded ({@code train}, {@code query}, {@code gallery};
 *                           in the config a comma-separated string); empty = all
 * @param output             where the output is published; empty for {@code <reid.run.output>/<reid.run.name>-embeddings}
 * @param partitions         partitions of the sorted input list; 0 for {@code ceil(images / imagesPerPartition)}
 * @param imagesPerPartition images per partition when {@code partitions} is 0
 * @param maxBadFraction     the largest fraction of unreadable images the job publishes; above it, it fails
 * @param lanes              forward passes an executor runs at once, each on a long-lived thread with its own network
 *                           and its share of the cores; 0 = one per concurrent task of the executor
 * @param faultPartition     resilience tests only: this partition's task fails after writing its embeddings and
 *                           before marking itself complete, on every attempt; -1 = never
 * @param npy                also write each part's embeddings as {@code embeddings-npy/part-<k>.npy} and {@code .csv}
 * @param npyBuffer          with {@code npy}: the bytes of embeddings a task holds to write its part's NumPy pair
 *                           itself; a larger part, or any part when 0, has its pair written by the job's last pass,
 *                           which reads the Parquet part back
 */
public record ExtractConfig(String model, String input, String manifest, String shards, List<String> splits, String output,
                            int partitions, int imagesPerPartition, double maxBadFraction, int lanes, int faultPartition,
                            boolean npy, long npyBuffer) {
    public ExtractConfig {
        if (model.isBlank()) {
            throw ConfigError.badValue("reid.extract.model", model,
                    "the published training run whose model embeds, e.g. --model runs/local or s3a://bucket/runs/r50");
        }
        List<String> given = new ArrayList<>();
        if (!input.isBlank()) given.add("reid.extract.input = \"" + input + "\"");
        if (!manifest.isBlank()) given.add("reid.extract.manifest = \"" + manifest + "\"");
        if (!shards.isBlank()) given.add("reid.extract.shards = \"" + shards + "\"");
        if (given.size() != 1) {
            throw new ConfigError("give exactly one of reid.extract.input (an image prefix, --input), "
                    + "reid.extract.manifest (a Parquet manifest with a uri column, --manifest) and reid.extract.shards "
                    + "(a published shard set, --shards); got " + (given.isEmpty() ? "none" : String.join(" and ", given)));
        }
        splits = List.copyOf(splits);
        for (String s : splits) Check.oneOf("reid.extract.splits", s, SPLITS);
        if (!splits.isEmpty() && shards.isBlank()) {
            throw new ConfigError("reid.extract.splits " + splits + " chooses splits of a shard set; it needs reid.extract.shards"
                    + " (--shards), not an image prefix or manifest");
        }
        Check.nonNegative("reid.extract.partitions", partitions);
        Check.nonNegative("reid.extract.lanes", lanes);
        Check.positive("reid.extract.images-per-partition", imagesPerPartition);
        Check.inRange("reid.extract.max-bad-fraction", maxBadFraction, 0, 1);
        if (npyBuffer < 0) throw ConfigError.badValue("reid.extract.npy-buffer", npyBuffer, "a size in bytes, 0 or more (e.g. 64M)");
        if (faultPartition < -1) throw ConfigError.badValue("reid.extract.fault-partition", faultPartition, "-1 or a partition index");
        OutputLocation.check("reid.extract.output", output, "s3a://bucket/embeddings/gallery");
    }

    public static ExtractConfig from(Config c) {
        Config e = c.getConfig("reid.extract");
        return new ExtractConfig(e.getString("model"), e.getString("input"), e.getString("manifest"), e.getString("shards"),
                Arrays.stream(e.getString("splits").split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList(),
                e.getString("output"), e.getInt("partitions"), e.getInt("images-per-partition"), e.getDouble("max-bad-fraction"),
                e.getInt("lanes"), e.getInt("fault-partition"), e.getBoolean("npy"), c.getBytes("reid.extract.npy-buffer"));
    }

    /** The split names {@code reid.extract.splits} accepts. */
    static final String[] SPLITS = Arrays.stream(Split.values()).map(Split::lower).toArray(String[]::new);

    /** The input as named in the config: the prefix, the manifest or the shard set. */
    public String source() {
        return !input.isBlank() ? input : !manifest.isBlank() ? manifest : shards;
    }

    /** What the input is: {@code prefix}, {@code manifest} or {@code shards} (in {@code extract.json}). */
    public String inputKind() {
        return !input.isBlank() ? "prefix" : !manifest.isBlank() ? "manifest" : "shards";
    }

    /** The shard set's splits to embed, in {@link Split} order. */
    public List<Split> chosenSplits() {
        return Arrays.stream(Split.values()).filter(s -> splits.isEmpty() || splits.contains(s.lower())).toList();
    }

    /** The partition count for {@code images} images of a prefix or manifest (never more partitions than images). */
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
