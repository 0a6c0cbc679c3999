package org.reidspark.jobs.extract;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.PartitionedWork;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EmbeddingRows} writes the rows the Group model wrote: read by Spark, both files have the schema the extract
 * job documents and the same rows, value for value (several arrays per row, an empty array, NaN and signed zeros);
 * {@link EmbeddingRows#reader} reads either file's uris and embeddings back bit for bit.
 */
class EmbeddingRowsTest {
    @TempDir
    Path tmp;

    private static final List<String> ARRAYS = List.of("embedding", "parts", "visibility");

    @Test
    void sameRowsAsTheGroupModelReadBySpark() throws Exception {
        Storage storage = new Storage(new Configuration());
        SplittableRandom random = new SplittableRandom(3);
        List<EmbeddingRows.Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            float[] embedding = new float[7];
            float[] parts = new float[12];
            float[] visibility = new float[i == 5 ? 0 : 3];
            for (float[] a : List.of(embedding, parts, visibility)) for (int j = 0; j < a.length; j++) a[j] = (float) random.nextGaussian();
            if (i == 7) {
                embedding[0] = Float.NaN;
                embedding[1] = -0.0f;
                embedding[2] = Float.MIN_VALUE;
            }
            rows.add(new EmbeddingRows.Row("s3a://bucket/images/cam" + (i % 3) + "/" + i + ".jpg", new float[][]{embedding, parts, visibility},
                    "model@" + (i % 2)));
        }
        org.apache.hadoop.fs.Path direct = new org.apache.hadoop.fs.Path(tmp.resolve("direct/part-00000.parquet").toUri());
        org.apache.hadoop.fs.Path group = new org.apache.hadoop.fs.Path(tmp.resolve("group/part-00000.parquet").toUri());
        try (ParquetWriter<EmbeddingRows.Row> out = EmbeddingRows.writer(storage, direct, ARRAYS)) {
            for (EmbeddingRows.Row r : rows) out.write(r);
        }
        MessageType schema = ExtractFiles.embeddingSchema(ARRAYS);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> out = PartitionedWork.writer(storage, group, schema)) {
            for (EmbeddingRows.Row r : rows) {
                Group g = groups.newGroup().append("uri", r.uri());
                for (int a = 0; a < ARRAYS.size(); a++) {
                    Group list = g.addGroup(ARRAYS.get(a));
                    for (float v : r.values()[a]) list.addGroup("list").append("element", v);
                }
                out.write(g.append("model_run_id", r.modelRunId()).append("dims", r.values()[0].length));
            }
        }

        for (org.apache.hadoop.fs.Path file : List.of(direct, group)) { // the reader: uri and embedding, value for value
            try (ParquetReader<EmbeddingRows.Embedded> in = EmbeddingRows.reader(storage, file)) {
                for (EmbeddingRows.Row r : rows) {
                    EmbeddingRows.Embedded e = in.read();
                    assertEquals(r.uri(), e.uri(), file.toString());
                    assertArrayEquals(bits(r.values()[0]), bits(e.embedding()), file + " " + r.uri());
                }
                assertNull(in.read());
            }
        }

        SparkSession spark = ExtractFixture.spark(List.of());
        try {
            List<Row> fromDirect = spark.read().parquet(direct.toString()).collectAsList();
            List<Row> fromGroup = spark.read().parquet(group.toString()).collectAsList();
            assertEquals("struct<uri:string,embedding:array<float>,parts:array<float>,visibility:array<float>,model_run_id:string,dims:int>",
                    spark.read().parquet(direct.toString()).schema().simpleString());
            assertEquals(rows.size(), fromDirect.size());
            for (int i = 0; i < rows.size(); i++) {
                EmbeddingRows.Row r = rows.get(i);
                Row d = fromDirect.get(i);
                Row g = fromGroup.get(i);
                assertEquals(r.uri(), d.getString(0));
                for (int a = 0; a < ARRAYS.size(); a++) {
                    assertArrayEquals(bits(r.values()[a]), bits(floats(d.getList(1 + a))), "row " + i + " " + ARRAYS.get(a));
                    assertArrayEquals(bits(floats(g.getList(1 + a))), bits(floats(d.getList(1 + a))), "row " + i + " " + ARRAYS.get(a));
                }
                assertEquals(r.modelRunId(), d.getString(4));
                assertEquals(7, d.getInt(5));
                assertEquals(g.getString(0), d.getString(0));
                assertEquals(g.getString(4), d.getString(4));
                assertEquals(g.getInt(5), d.getInt(5));
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * The arrays' values are written plainly, with no dictionary, even where they repeat (here every row holds the
     * same few values, which Parquet's default would dictionary-encode); the other columns keep the default (the
     * constant model id is dictionary-encoded). Spark reads the file back value for value.
     */
    @Test
    void theArraysValuesHaveNoDictionary() throws Exception {
        Storage storage = new Storage(new Configuration());
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(tmp.resolve("plain/part-00000.parquet").toUri());
        List<EmbeddingRows.Row> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(new EmbeddingRows.Row("file:/images/" + i + ".jpg",
                    new float[][]{{1f, 2f, 3f, 4f}, {0.5f, 0.5f}, {i % 2}}, "model@1"));
        }
        try (ParquetWriter<EmbeddingRows.Row> out = EmbeddingRows.writer(storage, file, ARRAYS)) {
            for (EmbeddingRows.Row r : rows) out.write(r);
        }
        java.util.Map<String, org.apache.parquet.hadoop.metadata.ColumnChunkMetaData> columns = new java.util.HashMap<>();
        try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(file, storage.hadoop()))) {
            for (org.apache.parquet.hadoop.metadata.BlockMetaData block : reader.getFooter().getBlocks()) {
                for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : block.getColumns()) {
                    columns.put(c.getPath().toDotString(), c);
                }
            }
        }
        for (String array : ARRAYS) {
            org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c = columns.get(array + ".list.element");
            assertFalse(c.hasDictionaryPage(), array + ": " + c.getEncodings());
            assertFalse(c.getEncodings().stream().anyMatch(org.apache.parquet.column.Encoding::usesDictionary),
                    array + ": " + c.getEncodings());
        }
        assertTrue(columns.get("model_run_id").hasDictionaryPage(), "the constant model id keeps the default dictionary");
        SparkSession spark = ExtractFixture.spark(List.of());
        try {
            List<Row> read = spark.read().parquet(file.toString()).collectAsList();
            assertEquals(rows.size(), read.size());
            for (int i = 0; i < rows.size(); i++) {
                for (int a = 0; a < ARRAYS.size(); a++) {
                    assertArrayEquals(bits(rows.get(i).values()[a]), bits(floats(read.get(i).getList(1 + a))), "row " + i);
                }
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void aRowWithTheWrongNumberOfArraysIsRefused() throws Exception {
        Storage storage = new Storage(new Configuration());
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(tmp.resolve("bad.parquet").toUri());
        try (ParquetWriter<EmbeddingRows.Row> out = EmbeddingRows.writer(storage, file, ARRAYS)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> out.write(new EmbeddingRows.Row("a.jpg", new float[][]{{1f}}, "m")));
            assertEquals("a.jpg: 1 arrays for a schema of 3", e.getMessage());
        }
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) out[i] = Float.floatToRawIntBits(values[i]);
        return out;
    }
}
