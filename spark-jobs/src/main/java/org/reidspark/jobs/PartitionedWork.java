package org.reidspark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.TaskContext;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.S3Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * A resumable job's work split into numbered partitions inside an incomplete {@link org.reidspark.artifact.RunDirectory}
 * (the extract and mine jobs). Each partition {@code k} is one Spark task writing its own files
 * {@code <folder>/part-<k>.parquet} (one per output folder), each under a hidden temporary name first and then renamed,
 * and is complete once its marker {@code done/part-<k>.json} exists (written last, the same way). A rerun redoes
 * exactly the partitions without a marker, replacing whatever a failed attempt left. The job's plan
 * ({@code plan.json}: the input's fingerprint and how it is cut) is written when the work starts, and a rerun with a
 * different plan is refused ({@link #checkResumable}).
 *
 * <p>The files are written on the executors with Parquet's own writer ({@link #writer}), not Spark's, whose commit
 * protocol covers a whole job, not one partition.
 */
public final class PartitionedWork {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionedWork.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The folder of the partitions' completion markers. */
    public static final String DONE = "done";
    /** The input's fingerprint and partitioning, written when the work is started; a rerun must match it. */
    public static final String PLAN = "plan.json";

    private PartitionedWork() {
    }

    /** {@code part-00042}: the base name of partition {@code k}'s files. */
    public static String part(int k) {
        return String.format(Locale.ROOT, "part-%05d", k);
    }

    /** Partition {@code k}'s Parquet file in output folder {@code folder} of {@code dir}. */
    public static Path file(Path dir, String folder, int k) {
        return new Path(new Path(dir, folder), part(k) + ".parquet");
    }

    /** Partition {@code k}'s completion marker. */
    public static Path marker(Path dir, int k) {
        return new Path(new Path(dir, DONE), part(k) + ".json");
    }

    /** The partition index of a marker's file name, or -1 when the name is not a marker's. */
    public static int markerPartition(String name) {
        if (!name.startsWith("part-") || !name.endsWith(".json")) return -1;
        try {
            return Integer.parseInt(name.substring(5, name.length() - 5));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The partition of a {@code part-<k>.parquet} file name, or -1. */
    public static int partPartition(String name) {
        if (!name.endsWith(".parquet")) return -1;
        return markerPartition(name.substring(0, name.length() - ".parquet".length()) + ".json");
    }

    /** The calling Spark task's attempt id ({@link #temporary}'s {@code attempt}), 0 outside a task. */
    public static long attempt() {
        TaskContext task = TaskContext.get();
        return task == null ? 0 : task.taskAttemptId();
    }

    /** The hidden temporary name {@code path} is written under by task attempt {@code attempt} before the rename. */
    public static Path temporary(Path path, long attempt) {
        return new Path(path.getParent(), "." + path.getName() + ".attempt-" + attempt);
    }

    /** A Parquet writer of {@code schema} rows to {@code path} (replaced if present). */
    public static ParquetWriter<Group> writer(Storage storage, Path path, MessageType schema) throws IOException {
        return build(ExampleParquetWriter.builder(outputFile(storage, path)).withType(schema), storage);
    }

    /**
     * {@code builder}'s writer with the settings of {@link #writer}: the storage's Hadoop configuration, an existing file
     * replaced, Snappy compression.
     */
    public static <T, B extends ParquetWriter.Builder<T, B>> ParquetWriter<T> build(B builder, Storage storage) throws IOException {
        return builder.withConf(storage.hadoop())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .build();
    }

    /**
     * {@code path} as Parquet's output file, created as Parquet's {@code HadoopOutputFile} creates it (the file system's
     * replication and block size, at least the size Parquet asks for) but on {@link Storage#fs}'s file system: no
     * checksum side file and, on a local disk, no {@code chmod} process ({@link org.reidspark.artifact.LocalFiles}).
     */
    public static OutputFile outputFile(Storage storage, Path path) {
        FileSystem fs = storage.fs(path);
        return new OutputFile() {
            @Override
            public PositionOutputStream create(long blockSizeHint) throws IOException {
                return open(false, blockSizeHint);
            }

            @Override
            public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
                return open(true, blockSizeHint);
            }

            private PositionOutputStream open(boolean overwrite, long blockSizeHint) throws IOException {
                return HadoopStreams.wrap(fs.create(path, overwrite, 4096, fs.getDefaultReplication(path),
                        Math.max(fs.getDefaultBlockSize(path), blockSizeHint)));
            }

            @Override
            public boolean supportsBlockSize() {
                return fs.getDefaultBlockSize(path) > 0;
            }

            @Override
            public long defaultBlockSize() {
                return fs.getDefaultBlockSize(path);
            }

            @Override
            public String getPath() {
                return path.toString();
            }

            @Override
            public String toString() {
                return path.toString();
            }
        };
    }

    /** Moves a finished temporary file to its final name, replacing a file a failed attempt left there. */
    public static void commit(Storage storage, Path temporary, Path target) throws IOException {
        FileSystem fs = storage.fs(target);
        if (fs.exists(target)) fs.delete(target, false);
        if (!fs.rename(temporary, target)) throw new IOException("could not rename " + temporary + " to " + target);
    }

    /** Writes partition {@code k}'s marker (temporary name, then rename): the partition is complete from then on. */
    public static void writeMarker(Storage storage, Path work, int k, long attempt, Map<String, Object> facts) throws IOException {
        Path markerFile = marker(work, k);
        Path markerTmp = temporary(markerFile, attempt);
        storage.writeString(markerTmp, JSON.writeValueAsString(facts));
        commit(storage, markerTmp, markerFile);
    }

    /**
     * The end of partition {@code k}'s task: {@code temporary} committed as {@code file}; then, when {@code k} is
     * {@code faultPartition} (resilience tests only, set by {@code faultKey}), a failure after the file and before the
     * marker; else the marker with the partition, {@code facts} and the seconds since {@code startNanos}, which it returns.
     *
     * @param wrote what the file holds, for the fault's message ("surrogates", "images", ...)
     */
    public static double finish(Storage storage, Path work, int k, long attempt, Path temporary, Path file, int faultPartition,
                                String faultKey, String wrote, Map<String, Object> facts, long startNanos) throws IOException {
        commit(storage, temporary, file);
        if (k == faultPartition) {
            throw new IllegalStateException("injected fault (" + faultKey + " = " + k + "): partition " + k + " wrote its " + wrote
                    + " but fails before it is marked complete");
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Object> marker = new java.util.LinkedHashMap<>();
        marker.put("partition", k);
        marker.putAll(facts);
        marker.put("seconds", seconds);
        writeMarker(storage, work, k, attempt, marker);
        return seconds;
    }

    /** Partitions with a {@code done/} marker and a part file in every one of {@code folders}. */
    public static Set<Integer> complete(Storage storage, Path work, int partitions, List<String> folders) throws IOException {
        Set<Integer> markers = names(storage, new Path(work, DONE), partitions, PartitionedWork::markerPartition);
        for (String folder : folders) {
            markers.retainAll(names(storage, new Path(work, folder), partitions, PartitionedWork::partPartition));
        }
        return markers;
    }

    private static Set<Integer> names(Storage storage, Path dir, int partitions, ToIntFunction<String> partition) throws IOException {
        Set<Integer> out = new HashSet<>();
        FileSystem fs = storage.fs(dir);
        if (!fs.exists(dir)) return out;
        for (FileStatus f : fs.listStatus(dir)) {
            int k = partition.applyAsInt(f.getPath().getName());
            if (k >= 0 && k < partitions) out.add(k);
        }
        return out;
    }

    /** Deletes the hidden files that failed task attempts left in {@code folders} and {@code done/}. */
    public static void removeTemporaryFiles(Storage storage, Path work, List<String> folders) throws IOException {
        List<String> all = new java.util.ArrayList<>(folders);
        all.add(DONE);
        for (String sub : all) {
            Path dir = new Path(work, sub);
            FileSystem fs = storage.fs(dir);
            if (!fs.exists(dir)) continue;
            for (FileStatus f : fs.listStatus(dir)) {
                if (f.getPath().getName().startsWith(".")) fs.delete(f.getPath(), false);
            }
        }
    }

    /**
     * Refuses to resume an incomplete output that was started with another plan, or that another job left.
     *
     * @param job         the job's name, for log lines
     * @param outputKey   the config key that chooses another output, for messages
     * @param differences how the plan in the incomplete output (its {@code plan.json}) differs from this run's, one
     *                    phrase per difference; empty when the run may resume
     * @param refusal     the message for a different plan, from the phrases
     */
    public static void checkResumable(Storage storage, S3Config s3, Path incomplete, String job, String outputKey,
                                      Function<JsonNode, List<String>> differences, Function<List<String>, String> refusal)
            throws IOException {
        Path planFile = new Path(incomplete, PLAN);
        if (!explained("check the incomplete output", incomplete.toString(), s3, () -> storage.exists(planFile))) {
            FileSystem fs = storage.fs(incomplete);
            if (fs.exists(incomplete)) {
                for (FileStatus f : fs.listStatus(incomplete)) {
                    if (!f.getPath().getName().equals("config.conf")) {
                        throw new ConfigError(incomplete + " is the incomplete run directory of another job (it has no "
                                + PLAN + "); choose another " + outputKey + ", or delete it");
                    }
                }
            }
            return;
        }
        List<String> d = differences.apply(JSON.readTree(storage.readString(planFile)));
        if (!d.isEmpty()) throw new ConfigError(refusal.apply(d));
        LOG.info("{}: resuming the incomplete output {}", job, incomplete);
    }
}
