package org.reidspark.jobs.mine;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.jobs.OutputLocation;
import org.reidspark.method.paul.CyclicRanking;
import org.reidspark.method.paul.NearestNeighbours;

/**
 * {@code reid.mine}: which embeddings are mined, how (PAUL's cyclic ranking: walk length and top-r test), how the
 * neighbour search is cut (block size, partitions) and where the result is published.
 *
 * @param embeddings          the published extract output whose {@code embeddings.parquet} is mined; or empty and
 * @param checkpoint          a PAUL training checkpoint directory whose image memory is mined
 * @param output              where the output is published; empty for {@code <reid.run.output>/<reid.run.name>-negatives}
 * @param walk                candidates walked per anchor ({@link CyclicRanking#maxCandidates()})
 * @param nearest             the top-r test's size, the candidate counted ({@link CyclicRanking#nearest()})
 * @param blockSize           anchors per block and set rows per tile ({@link NearestNeighbours#search})
 * @param partitions          partitions of the sorted keys; 0 for {@code ceil(images / anchorsPerPartition)}
 * @param anchorsPerPartition anchors per partition when {@code partitions} is 0
 * @param labels              measure the negatives against the identities of {@code reid.data}'s catalog
 * @param faultPartition      resilience tests only: this partition's task fails after writing its neighbours and
 *                            before marking itself complete, on every attempt; -1 = never
 */
public record MineConfig(String embeddings, String checkpoint, String output, int walk, int nearest, int blockSize, int partitions,
                         int anchorsPerPartition, boolean labels, int faultPartition) {
    public MineConfig {
        if (embeddings.isBlank() == checkpoint.isBlank()) {
            throw new ConfigError("reid.mine: give exactly one of reid.mine.embeddings (the published extract output to mine,"
                    + " e.g. --embeddings runs/r50-embeddings or s3a://bucket/embeddings/train) and reid.mine.checkpoint (a PAUL"
                    + " training checkpoint whose image memory is mined, e.g. --checkpoint runs/paul/checkpoints); got "
                    + (embeddings.isBlank() ? "neither" : "both"));
        }
        Check.positive("reid.mine.walk", walk);
        Check.positive("reid.mine.nearest", nearest);
        Check.inRange("reid.mine.block-size", blockSize, 1, 32768);
        Check.nonNegative("reid.mine.partitions", partitions);
        Check.positive("reid.mine.anchors-per-partition", anchorsPerPartition);
        if (faultPartition < -1) throw ConfigError.badValue("reid.mine.fault-partition", faultPartition, "-1 or a partition index");
        OutputLocation.check("reid.mine.output", output, "s3a://bucket/negatives/train");
    }

    public static MineConfig from(Config c) {
        Config m = c.getConfig("reid.mine");
        return new MineConfig(m.getString("embeddings"), m.getString("checkpoint"), m.getString("output"), m.getInt("walk"), m.getInt("nearest"),
                m.getInt("block-size"), m.getInt("partitions"), m.getInt("anchors-per-partition"), m.getBoolean("labels"),
                m.getInt("fault-partition"));
    }

    /** What is mined: the extract output or the checkpoint. */
    public String source() {
        return embeddings.isBlank() ? checkpoint : embeddings;
    }

    /** Neighbours kept per image: all that the walk and the top-r test read, {@code max(walk, nearest - 1)}. */
    public int neighbours() {
        return ranking().neighboursNeeded();
    }

    public CyclicRanking ranking() {
        return new CyclicRanking(walk, nearest);
    }

    /** The partition count for {@code images} anchors (never more partitions than anchors). */
    public int partitionsFor(int images) {
        int p = partitions > 0 ? partitions : (int) Math.ceil(images / (double) anchorsPerPartition);
        return Math.max(1, Math.min(p, images));
    }

    /** The run directory the output is published as: {@code output}, or {@code <reid.run.output>/<reid.run.name>-negatives}. */
    public RunConfig target(RunConfig run) {
        return OutputLocation.target(output, new RunConfig(run.name() + "-negatives", run.output(), run.seed(), run.overwrite()));
    }
}
