package org.reidspark.jobs.extract;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.reidspark.artifact.Storage;
import org.reidspark.eval.TestFeatures;
import org.reidspark.jobs.PartitionedWork;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The writer of {@code embeddings.parquet} rows ({@link ExtractFiles#embeddingSchema}): each row's values go straight
 * to Parquet's record consumer, and from it to the column writers, with no object per value. Parquet's example
 * {@code Group} model, which the job used first, builds two objects per float (a {@code list} group and its
 * {@code element}); {@code submit/reid extract-bench} measures both on the same rows (docs/performance.md,
 * "Extraction at the compute rate"). The file is the same Parquet either way: same schema, same three-level lists
 * ({@code array<float>} to Spark), the arrays' values plainly encoded. Parquet's dictionary encoding is off for them:
 * an embedding's floats hardly ever repeat, so the writer hashed every value into a dictionary it then discarded
 * (falling back to plain encoding: the same bytes), which took a third of a row's writing time for 128 values and a
 * quarter for 2,048 (docs/performance.md). {@link #reader} reads a file's uris and embeddings back the same way,
 * the values straight from the column readers into one array per row.
 */
public final class EmbeddingRows {
    private EmbeddingRows() {
    }

    /**
     * One embedded image.
     *
     * @param uri        the image
     * @param values     one row per test-feature array, in the schema's order ({@code embedding} first)
     * @param modelRunId the model's run id
     */
    public record Row(String uri, float[][] values, String modelRunId) {
    }

    /** An image's uri and its {@code embedding} values, as {@link #reader} reads them. */
    public record Embedded(String uri, float[] embedding) {
    }

    /** A reader of {@code path}'s rows: their uri and {@code embedding} columns only (a projection), in file order. */
    public static ParquetReader<Embedded> reader(Storage storage, Path path) throws IOException {
        return ParquetReader.builder(new Reading(), path).withConf(storage.hadoop()).build();
    }

    /** A writer of rows with test-feature arrays {@code arrays} to {@code path} (replaced if present). */
    public static ParquetWriter<Row> writer(Storage storage, Path path, List<String> arrays) throws IOException {
        Builder builder = new Builder(PartitionedWork.outputFile(storage, path), ExtractFiles.embeddingSchema(arrays));
        for (String array : arrays) builder = builder.withDictionaryEncoding(array + ".list.element", false);
        return PartitionedWork.build(builder, storage);
    }

    private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
        private final MessageType schema;

        Builder(OutputFile file, MessageType schema) {
            super(file);
            this.schema = schema;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(Configuration conf) {
            return new Support(schema);
        }
    }

    /** Writes a {@link Row} field by field in the schema's order: uri, one list per array, model_run_id, dims. */
    private static final class Support extends WriteSupport<Row> {
        private final MessageType schema;
        private final int arrays;
        private RecordConsumer out;

        Support(MessageType schema) {
            this.schema = schema;
            this.arrays = schema.getFieldCount() - 3;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Row row) {
            if (row.values().length != arrays) {
                throw new IllegalArgumentException(row.uri() + ": " + row.values().length + " arrays for a schema of " + arrays);
            }
            out.startMessage();
            out.startField("uri", 0);
            out.addBinary(Binary.fromString(row.uri()));
            out.endField("uri", 0);
            for (int a = 0; a < arrays; a++) {
                String name = schema.getFieldName(1 + a);
                out.startField(name, 1 + a);
                out.startGroup();
                float[] values = row.values()[a];
                if (values.length > 0) { // an empty list has no repeated field at all
                    out.startField("list", 0);
                    for (float v : values) {
                        out.startGroup();
                        out.startField("element", 0);
                        out.addFloat(v);
                        out.endField("element", 0);
                        out.endGroup();
                    }
                    out.endField("list", 0);
                }
                out.endGroup();
                out.endField(name, 1 + a);
            }
            out.startField("model_run_id", arrays + 1);
            out.addBinary(Binary.fromString(row.modelRunId()));
            out.endField("model_run_id", arrays + 1);
            out.startField("dims", arrays + 2);
            out.addInteger(row.values()[0].length);
            out.endField("dims", arrays + 2);
            out.endMessage();
        }
    }

    /** Reads {@code uri} and the {@code embedding} list of each row: the list's floats go into one growing array. */
    private static final class Reading extends ReadSupport<Embedded> {
        @Override
        public ReadContext init(InitContext context) {
            MessageType file = context.getFileSchema();
            return new ReadContext(new MessageType(file.getName(), file.getType("uri"), file.getType(TestFeatures.EMBEDDING)));
        }

        @Override
        public RecordMaterializer<Embedded> prepareForRead(Configuration configuration, Map<String, String> keyValueMetaData,
                                                           MessageType fileSchema, ReadContext readContext) {
            return new RecordMaterializer<>() {
                private String uri;
                private float[] values = new float[256];
                private int n;
                private final PrimitiveConverter element = new PrimitiveConverter() {
                    @Override
                    public void addFloat(float value) {
                        if (n == values.length) values = Arrays.copyOf(values, 2 * n);
                        values[n++] = value;
                    }
                };
                private final GroupConverter list = group(element); // repeated group list { element }
                private final GroupConverter embedding = group(list); // the LIST-annotated group
                private final PrimitiveConverter uriField = new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        uri = value.toStringUsingUTF8();
                    }
                };
                private final GroupConverter root = new GroupConverter() {
                    @Override
                    public Converter getConverter(int fieldIndex) {
                        return fieldIndex == 0 ? uriField : embedding;
                    }

                    @Override
                    public void start() {
                        uri = null;
                        n = 0;
                    }

                    @Override
                    public void end() {
                    }
                };

                @Override
                public Embedded getCurrentRecord() {
                    return new Embedded(uri, Arrays.copyOf(values, n));
                }

                @Override
                public GroupConverter getRootConverter() {
                    return root;
                }
            };
        }

        private static GroupConverter group(Converter only) {
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return only;
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };
        }
    }
}
