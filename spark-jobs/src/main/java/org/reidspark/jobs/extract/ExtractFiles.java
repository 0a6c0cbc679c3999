package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.eval.TestFeatures;

import java.io.IOException;
import java.util.List;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;

/**
 * The extract job's output layout and its Parquet files. Each input partition {@code k} is written by its own task as
 * {@code embeddings.parquet/part-<k>.parquet} and {@code unreadable.parquet/part-<k>.parquet}, each under a hidden
 * temporary name first and then renamed, and is complete once {@code done/part-<k>.json} exists (written last, the
 * same way; the layout and its rules are {@link PartitionedWork}'s). A rerun redoes exactly the partitions without
 * that marker, replacing whatever a failed attempt left.
 *
 * <p>The files are written on the executors with Parquet's own writer ({@link EmbeddingRows} for the embeddings; not
 * Spark's, whose commit protocol covers a whole job, not one partition); Spark reads them as {@code uri: string, embedding: array<float>, model_run_id:
 * string, dims: int} (plus one {@code array<float>} column per further test-feature array of the method, e.g.
 * {@code parts} and {@code visibility}, between {@code embedding} and {@code model_run_id}) and
 * {@code uri: string, reason: string}.
 */
public final class ExtractFiles {
    public static final String EMBEDDINGS = "embeddings.parquet";
    public static final String UNREADABLE = "unreadable.parquet";
    public static final String DONE = PartitionedWork.DONE;
    /** The input's fingerprint and partitioning, written when the output is started; a rerun must match it. */
    public static final String PLAN = PartitionedWork.PLAN;
    /** What the published output holds: model, input, partitions, counts. */
    public static final String SUMMARY = "extract.json";

    /** Rows of {@code embeddings.parquet} for a method whose test features are one embedding. */
    public static final MessageType EMBEDDING_SCHEMA = embeddingSchema(List.of(TestFeatures.EMBEDDING));

    /**
     * Rows of {@code embeddings.parquet}: one embedded image, one {@code array<float>} column per test-feature array
     * ({@code embedding} first).
     */
    public static MessageType embeddingSchema(List<String> arrays) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        b.required(BINARY).as(LogicalTypeAnnotation.stringType()).named("uri");
        for (String name : arrays) b.requiredList().requiredElement(FLOAT).named(name);
        b.required(BINARY).as(LogicalTypeAnnotation.stringType()).named("model_run_id");
        b.required(INT32).named("dims");
        return b.named("embedding_row");
    }

    /** Rows of {@code unreadable.parquet}: one image that could not be read or decoded, and why. */
    public static final MessageType UNREADABLE_SCHEMA = Types.buildMessage()
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("uri")
            .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("reason")
            .named("unreadable_row");

    private ExtractFiles() {
    }

    /** {@code part-00042}: the base name of partition {@code k}'s files. */
    public static String part(int k) {
        return PartitionedWork.part(k);
    }

    public static Path embeddings(Path dir, int k) {
        return PartitionedWork.file(dir, EMBEDDINGS, k);
    }

    public static Path unreadable(Path dir, int k) {
        return PartitionedWork.file(dir, UNREADABLE, k);
    }

    public static Path marker(Path dir, int k) {
        return PartitionedWork.marker(dir, k);
    }

    /** The partition index of a marker's file name, or -1 when the name is not a marker's. */
    public static int markerPartition(String name) {
        return PartitionedWork.markerPartition(name);
    }

    /** The hidden temporary name {@code path} is written under by task attempt {@code attempt} before the rename. */
    public static Path temporary(Path path, long attempt) {
        return PartitionedWork.temporary(path, attempt);
    }

    /** A Parquet writer of {@code schema} rows to {@code path} (replaced if present). */
    static ParquetWriter<Group> writer(Storage storage, Path path, MessageType schema) throws IOException {
        return PartitionedWork.writer(storage, path, schema);
    }

    static Group unreadableRow(SimpleGroupFactory rows, String uri, String reason) {
        return rows.newGroup().append("uri", uri).append("reason", reason);
    }

    /** Moves a finished temporary file to its final name, replacing a file a failed attempt left there. */
    static void commit(Storage storage, Path temporary, Path target) throws IOException {
        PartitionedWork.commit(storage, temporary, target);
    }
}
