package org.reidspark.jobs.generate;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Seeds;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.method.dgnet.AppearanceCodes;
import org.reidspark.method.dgnet.DgNetGeneration;
import org.reidspark.run.TestModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

/**
 * One partition of the generate job, on an executor: for every image {@code x_j} of one training shard, its structure
 * code {@code s_j} and, per copy, {@code G(a_i, s_j)} with the donor {@code i} of the seeded plan
 * ({@link AppearanceCodes#donor}) and the soft label of the generated image ({@link DgNetGeneration#softLabels}), written
 * as {@code generated/part-<k>.parquet} and then marked done ({@link PartitionedWork}). Everything runs in inference
 * mode on fixed batches of the shard, so a retried or resumed partition writes the same rows.
 */
final class GeneratePartition {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratePartition.class);
    /** The folder of the generated images in the output. */
    static final String GENERATED = "generated";
    /**
     * Rows of {@code generated/}: {@code key} (the generated image's own key, derived from the structure key and copy),
     * {@code structure_key}, {@code copy}, {@code appearance_key} (keys of the shard set's training images),
     * {@code label} (the appearance donor's training label: whose clothes), {@code structure_label},
     * {@code soft_label} ({@code classes} float32 little-endian: the teacher's flip-averaged softmax),
     * {@code height}, {@code width}, {@code rgb} (HWC bytes, as the shard set stores images) and {@code shard}.
     */
    static final MessageType SCHEMA = Types.buildMessage()
            .required(INT64).named("key")
            .required(INT64).named("structure_key")
            .required(INT32).named("copy")
            .required(INT64).named("appearance_key")
            .required(INT32).named("label")
            .required(INT32).named("structure_label")
            .required(BINARY).named("soft_label")
            .required(INT32).named("height")
            .required(INT32).named("width")
            .required(BINARY).named("rgb")
            .required(INT32).named("shard")
            .named("generated_row");

    private GeneratePartition() {
    }

    /**
     * What every task shares.
     *
     * @param work           the output's work directory
     * @param input          the model's input (size, normalization)
     * @param seed           the run seed the plan derives from
     * @param copies         generated images per training image
     * @param batchSize      images per forward pass
     * @param partitions     the partition count (for log lines)
     * @param faultPartition {@link GenerateJobConfig#faultPartition()}
     */
    record Settings(String work, InputConfig input, long seed, int copies, int batchSize, int partitions, int faultPartition)
            implements Serializable {
    }

    /** What a task did. */
    record Outcome(int partition, int images, double seconds) implements Serializable {
    }

    /** The key of copy {@code copy} generated on the structure of image {@code structureKey}. */
    static long key(long structureKey, int copy) {
        return Seeds.derive(0x6E6572L, structureKey, copy);
    }

    /** The appearance codes {@code Ea(x)} of a shard's images (keys, labels, codes), in inference mode. */
    static AppearanceCodes codes(Shard shard, TestModel model, InputConfig input, int batchSize) {
        DgNetGeneration g = new DgNetGeneration(model.networkSet(), input);
        int n = shard.size();
        long[] keys = shard.keys();
        int[] labels = new int[n];
        float[][] codes = new float[n][];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            List<RgbImage> batch = new ArrayList<>();
            for (int i = from; i < to; i++) {
                batch.add(shard.image(i));
                labels[i] = shard.samples().get(i).label();
            }
            INDArray a = g.appearance(g.batch(batch)).castTo(DataType.FLOAT);
            for (int i = from; i < to; i++) codes[i] = a.getRow(i - from).toFloatVector();
        }
        return new AppearanceCodes(keys, labels, codes);
    }

    static Outcome run(Shard shard, Settings settings, AppearanceCodes codes, TestModel model) throws IOException {
        long start = System.nanoTime();
        Storage storage = ExecutorHadoop.storage(); // the executor's own Hadoop settings: no credentials in the closure
        Path work = Storage.path(settings.work());
        int k = shard.id();
        long attempt = PartitionedWork.attempt();
        DgNetGeneration g = new DgNetGeneration(model.networkSet(), settings.input());
        Path file = PartitionedWork.file(work, GENERATED, k);
        Path tmp = PartitionedWork.temporary(file, attempt);
        try (ParquetWriter<Group> out = PartitionedWork.writer(storage, tmp, SCHEMA)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            for (int from = 0; from < shard.size(); from += settings.batchSize()) {
                int to = Math.min(shard.size(), from + settings.batchSize());
                List<RgbImage> batch = new ArrayList<>();
                for (int i = from; i < to; i++) batch.add(shard.image(i));
                INDArray s = g.structure(g.batch(batch));
                for (int c = 0; c < settings.copies(); c++) {
                    int[] donors = new int[to - from];
                    for (int i = from; i < to; i++) {
                        donors[i - from] = codes.donor(settings.seed(), shard.key(i), shard.samples().get(i).label(), c);
                    }
                    List<RgbImage> made = g.images(g.decode(s, codes.codes(donors).castTo(s.dataType())));
                    INDArray soft = g.softLabels(g.batch(made)).castTo(DataType.FLOAT);
                    for (int i = from; i < to; i++) {
                        RgbImage img = made.get(i - from);
                        int d = donors[i - from];
                        out.write(rows.newGroup().append("key", key(shard.key(i), c)).append("structure_key", shard.key(i))
                                .append("copy", c).append("appearance_key", codes.key(d)).append("label", codes.label(d))
                                .append("structure_label", shard.samples().get(i).label())
                                .append("soft_label", Binary.fromConstantByteArray(floats(soft.getRow(i - from).toFloatVector())))
                                .append("height", img.height()).append("width", img.width())
                                .append("rgb", Binary.fromConstantByteArray(img.rgb())).append("shard", k));
                    }
                }
            }
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("images", shard.size());
        facts.put("copies", settings.copies());
        double seconds = PartitionedWork.finish(storage, work, k, attempt, tmp, file, settings.faultPartition(),
                GenerateJobConfig.SECTION + ".fault-partition", "images", facts, start);
        LOG.info("generate partition {} of {}: {} images x {} copies in {} s", k, settings.partitions(), shard.size(),
                settings.copies(), String.format(Locale.ROOT, "%.1f", seconds));
        return new Outcome(k, shard.size(), seconds);
    }

    /** Floats as little-endian float32 bytes (the {@code soft_label} column). */
    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    /** The {@code soft_label} column's bytes as floats. */
    static float[] floats(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.length / 4];
        for (int i = 0; i < v.length; i++) v[i] = b.getFloat();
        return v;
    }
}
