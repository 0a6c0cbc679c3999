package org.reidspark.jobs.augment;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.Surrogate;
import org.reidspark.data.augment.SurrogateConfig;
import org.reidspark.data.augment.SurrogateCopies;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.PartitionedWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

/**
 * One partition of the augment job, on an executor: the {@code copies} surrogates of every image of one training shard
 * ({@link SurrogateCopies#make}, each seeded by (seed, key, copy)), written as {@code surrogates/part-<k>.parquet} and
 * then marked done ({@link PartitionedWork}). Deterministic in its inputs, so a retried or resumed partition writes the
 * same rows.
 */
final class AugmentPartition {
    private static final Logger LOG = LoggerFactory.getLogger(AugmentPartition.class);
    /** The folder of the surrogates in the output. */
    static final String SURROGATES = "surrogates";
    /**
     * Rows of {@code surrogates/}: the image's {@code key} and {@code uri} (as in the shard set), the {@code copy} index,
     * the {@code transform} drawn (JSON, {@link Surrogate.Transform#toMap()}), {@code height}, {@code width} and the
     * surrogate's HWC bytes {@code rgb}, as the shard set stores images; {@code shard} is the input shard.
     */
    static final MessageType SCHEMA = Types.buildMessage()
            .required(INT64).named("key")
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("uri")
            .required(INT32).named("copy")
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("transform")
            .required(INT32).named("height")
            .required(INT32).named("width")
            .required(BINARY).named("rgb")
            .required(INT32).named("shard")
            .named("surrogate_row");

    private AugmentPartition() {
    }

    /**
     * What every task shares.
     *
     * @param work           the output's work directory
     * @param surrogate      how a surrogate is made
     * @param seed           the run seed
     * @param copies         surrogates per image
     * @param partitions     the partition count (for log lines)
     * @param faultPartition {@link AugmentJobConfig#faultPartition()}
     */
    record Settings(String work, SurrogateConfig surrogate, long seed, int copies, int partitions, int faultPartition)
            implements Serializable {
    }

    /** What a task did. */
    record Outcome(int partition, int images, double seconds) implements Serializable {
    }

    static Outcome run(Shard shard, Settings settings) throws IOException {
        long start = System.nanoTime();
        Storage storage = ExecutorHadoop.storage(); // the executor's own Hadoop settings: no credentials in the closure
        Path work = Storage.path(settings.work());
        int k = shard.id();
        long attempt = PartitionedWork.attempt();
        Surrogate surrogate = new Surrogate(settings.surrogate());
        Path file = PartitionedWork.file(work, SURROGATES, k);
        Path tmp = PartitionedWork.temporary(file, attempt);
        try (ParquetWriter<Group> out = PartitionedWork.writer(storage, tmp, SCHEMA)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            for (int i = 0; i < shard.size(); i++) {
                long key = shard.key(i);
                for (int c = 0; c < settings.copies(); c++) {
                    SurrogateCopies.Copy copy = SurrogateCopies.make(surrogate, settings.seed(), key, c, shard.image(i));
                    out.write(rows.newGroup().append("key", key).append("uri", shard.samples().get(i).uri()).append("copy", c)
                            .append("transform", copy.transformJson()).append("height", copy.image().height())
                            .append("width", copy.image().width()).append("rgb", Binary.fromConstantByteArray(copy.image().rgb()))
                            .append("shard", k));
                }
            }
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("images", shard.size());
        facts.put("copies", settings.copies());
        double seconds = PartitionedWork.finish(storage, work, k, attempt, tmp, file, settings.faultPartition(),
                AugmentJobConfig.SECTION + ".fault-partition", "surrogates", facts, start);
        LOG.info("augment partition {} of {}: {} images x {} copies in {} s", k, settings.partitions(), shard.size(),
                settings.copies(), String.format(Locale.ROOT, "%.1f", seconds));
        return new Outcome(k, shard.size(), seconds);
    }
}
