package org.reidspark.jobs.mine;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.method.paul.NearestNeighbours;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;

/**
 * One partition of the mine job's neighbour search, on an executor: the exact neighbour lists of a contiguous range
 * of anchors (indices into the sorted keys) against the whole broadcast set ({@link NearestNeighbours}, in blocks of
 * {@code reid.mine.block-size}), written as {@code neighbours.parquet/part-<k>.parquet} and then marked done
 * ({@link PartitionedWork}). Deterministic in its inputs, so a retried or resumed partition writes the same rows.
 *
 * <p>The set is built once per executor JVM and broadcast ({@link #set}), shared by its concurrent tasks.
 */
final class MinePartition {
    private static final Logger LOG = LoggerFactory.getLogger(MinePartition.class);
    /** The folder of the partitions' neighbour lists in the work directory. */
    static final String NEIGHBOURS = "neighbours.parquet";
    /** Rows of {@code neighbours.parquet}: an anchor's index, its neighbours' indices nearest first, their Euclidean distances. */
    static final MessageType SCHEMA = Types.buildMessage()
            .required(INT32).named("anchor")
            .requiredList().requiredElement(INT32).named("neighbours")
            .requiredList().requiredElement(DOUBLE).named("distances")
            .named("neighbour_row");
    private static Set cachedValue;
    private static NearestNeighbours cached;

    private MinePartition() {
    }

    /** The embeddings, row-major in key order, as broadcast. */
    record Set(int images, int dims, float[] rows) implements Serializable {
    }

    /** One partition: anchors {@code [from, to)}. */
    record Task(int partition, int from, int to) implements Serializable {
    }

    /**
     * What every task shares.
     *
     * @param work           the output's work directory
     * @param neighbours     neighbours kept per anchor
     * @param blockSize      anchors per block and set rows per tile
     * @param partitions     the partition count (for log lines)
     * @param faultPartition {@link MineConfig#faultPartition()}
     */
    record Settings(String work, int neighbours, int blockSize, int partitions, int faultPartition) implements Serializable {
    }

    /** What a task did. */
    record Outcome(int partition, int anchors, double seconds) implements Serializable {
    }

    /**
     * The ND4J set of a broadcast value, built once per value and executor JVM: Spark hands every task of an executor
     * the same deserialized broadcast object (broadcast ids restart with every Spark context, so they are no key).
     */
    static synchronized NearestNeighbours set(Set value) {
        if (cachedValue != value) {
            cached = null; // the previous job's set can go before the next is built
            cachedValue = null;
            cached = NearestNeighbours.of(value.rows(), value.images(), value.dims());
            cachedValue = value;
        }
        return cached;
    }

    /** Drops the cached set (the driver, after the job: in local mode it is also the executor). */
    static synchronized void release() {
        cached = null;
        cachedValue = null;
    }

    static Outcome run(Task task, Settings settings, NearestNeighbours set) throws IOException {
        long start = System.nanoTime();
        Storage storage = ExecutorHadoop.storage(); // the executor's own Hadoop settings: no credentials in the closure
        Path work = Storage.path(settings.work());
        int k = task.partition();
        long attempt = PartitionedWork.attempt();
        NearestNeighbours.Lists lists = set.search(task.from(), task.to(), settings.neighbours(), settings.blockSize());
        Path file = PartitionedWork.file(work, NEIGHBOURS, k);
        Path tmp = PartitionedWork.temporary(file, attempt);
        try (ParquetWriter<Group> out = PartitionedWork.writer(storage, tmp, SCHEMA)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            for (int r = 0; r < lists.neighbours().length; r++) {
                Group g = rows.newGroup().append("anchor", task.from() + r);
                Group n = g.addGroup("neighbours");
                for (int q : lists.neighbours()[r]) n.addGroup("list").append("element", q);
                Group d = g.addGroup("distances");
                for (double v : lists.distances()[r]) d.addGroup("list").append("element", v);
                out.write(g);
            }
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("from", task.from());
        facts.put("to", task.to());
        double seconds = PartitionedWork.finish(storage, work, k, attempt, tmp, file, settings.faultPartition(),
                "reid.mine.fault-partition", "neighbours", facts, start);
        LOG.info("mine partition {} of {}: anchors [{}, {}) against {} images in {} s", k, settings.partitions(), task.from(),
                task.to(), set.size(), String.format(Locale.ROOT, "%.1f", seconds));
        return new Outcome(k, task.to() - task.from(), seconds);
    }
}
