package org.reidspark.jobs.extract;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extract job on local[2]: a prefix and a manifest embedded as the core Embedder embeds them, a corrupt image
 * recorded with its reason, a crashed run finished by a rerun without duplicates, and refusals with clear errors.
 */
class ExtractJobTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path images;

    @BeforeAll
    static void fixtures() throws Exception {
        model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 5);
        images = ExtractFixture.writeImages(tmp.resolve("images"));
    }

    private static List<String> args(String output, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--output", output));
        a.addAll(List.of(more));
        return a;
    }

    private static Path local(String uri) {
        return Path.of(URI.create(uri));
    }

    /** The reference embedding of every readable image, by local file. */
    private static Map<Path, float[]> reference() throws Exception {
        return ExtractFixture.reference(model, ExtractFixture.GOOD.stream().map(images::resolve).toList());
    }

    @Test
    void embedsAPrefixLikeTheEmbedderAndRecordsTheCorruptImage() throws Exception {
        Path out = tmp.resolve("out/prefix");
        // the job's own reid.input (256x128 by default) must not matter: the model run's 32x16 does
        JobRun r = ExtractFixture.extract(args(out.toString(), "--input", images.toString(), "--partitions", "3"));
        assertEquals(0, r.code(), r.err());
        String runId = ExtractFixture.runId(model);
        assertTrue(r.out().contains("extract: OK, 8 of 9 images embedded") && r.out().contains("1 unreadable")
                && r.out().contains("partitions: 3 run now, 0 done by an earlier attempt") && r.out().contains(runId), r.out());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));
        assertFalse(Files.exists(out.resolveSibling("._incomplete-prefix")), "the incomplete directory was published");
        assertEquals(List.of(), ExtractFixture.hiddenFiles(out), "no temporary files left");
        try (Stream<Path> parts = Files.list(out.resolve("embeddings.parquet"))) {
            assertEquals(List.of("part-00000.parquet", "part-00001.parquet", "part-00002.parquet"),
                    parts.map(p -> p.getFileName().toString()).sorted().toList(), "one file per partition");
        }

        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        int dims = info.get("dims").asInt();
        assertEquals(ExtractFixture.LISTED, info.get("images").asInt());
        assertEquals(8, info.get("embedded").asInt());
        assertEquals(1, info.get("unreadable").asInt());
        assertEquals(3, info.get("partitions").asInt());
        assertEquals(0, info.get("partitionsCountedFromFiles").asInt(), "every partition ran now: no last pass over the files");
        assertEquals(runId, info.get("modelRunId").asText());
        assertEquals(32, info.get("height").asInt());
        assertEquals(16, info.get("width").asInt());

        Map<Path, float[]> expected = reference();
        SparkSession spark = ExtractFixture.spark(List.of());
        try {
            Map<String, float[]> rows = ExtractFixture.embeddings(spark, out.resolve("embeddings.parquet").toString(), runId, dims);
            assertEquals(8, rows.size());
            for (Map.Entry<String, float[]> e : rows.entrySet()) {
                Path file = local(e.getKey());
                assertTrue(expected.containsKey(file), "unexpected uri " + e.getKey());
                ExtractFixture.assertClose(expected.get(file), e.getValue(), e.getKey());
            }
            Map<String, String> bad = ExtractFixture.unreadable(spark, out.resolve("unreadable.parquet").toString());
            assertEquals(Set.of(images.resolve(ExtractFixture.CORRUPT)), bad.keySet().stream().map(ExtractJobTest::local)
                    .collect(java.util.stream.Collectors.toSet()));
            String reason = bad.values().iterator().next();
            assertTrue(reason.contains("corrupt") || reason.contains("truncated"), reason);
        } finally {
            spark.stop();
        }

        // the same embeddings as NumPy arrays, part by part, rows in the order of their uri lists
        assertNpySameAsParquet(out, runId, dims, 3);

        // a published output is not replaced unless asked, and nothing is started for it
        JobRun again = ExtractFixture.extract(args(out.toString(), "--input", images.toString()));
        assertEquals(1, again.code(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("reid.extract.output"), again.err());
    }

    @Test
    void aPartLargerThanATaskHoldsHasItsNumPyPairWrittenByTheLastPass() throws Exception {
        // npy-buffer 0: no task holds its rows, the last pass writes every pair from the Parquet parts
        Path none = tmp.resolve("out/npy-buffer-none");
        JobRun r = ExtractFixture.extract(args(none.toString(), "--input", images.toString(), "--partitions", "3",
                "reid.extract.npy-buffer=0"));
        assertEquals(0, r.code(), r.err());
        JsonNode info = new ObjectMapper().readTree(none.resolve("extract.json").toFile());
        int dims = info.get("dims").asInt();
        assertEquals(3, info.get("partitionsCountedFromFiles").asInt(), "no task wrote its pair: all from their footers");
        assertEquals(8, info.get("embedded").asInt());
        String runId = ExtractFixture.runId(model);
        assertNpySameAsParquet(none, runId, dims, 3);

        // room for two rows: the part with two readable images is written by its task, those with three by the last pass
        long rows = 2;
        List<Integer> larger = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            if (Files.readAllLines(none.resolve("embeddings-npy/part-0000" + k + ".csv")).size() - 1 > rows) larger.add(k);
        }
        assertEquals(List.of(0, 1), larger, "the fixture's parts: 3, 3 and 2 readable images");
        Path two = tmp.resolve("out/npy-buffer-two");
        r = ExtractFixture.extract(args(two.toString(), "--input", images.toString(), "--partitions", "3",
                "reid.extract.npy-buffer=" + rows * dims * Float.BYTES));
        assertEquals(0, r.code(), r.err());
        info = new ObjectMapper().readTree(two.resolve("extract.json").toFile());
        assertEquals(larger.size(), info.get("partitionsCountedFromFiles").asInt(), "the two larger parts, from their footers");
        assertEquals(8, info.get("embedded").asInt());
        assertEquals(1, info.get("unreadable").asInt());
        assertNpySameAsParquet(two, runId, dims, 3);
        assertEquals(List.of(), ExtractFixture.hiddenFiles(two), "no temporary files left");
    }

    @Test
    void embedsTheDistinctUrisOfAManifest() throws Exception {
        // a manifest with more columns than uri, a duplicate, and the corrupt image
        List<String> uris = List.of(images.resolve("cam1/0001.jpg").toString(), images.resolve("cam2/0004.JPG").toString(),
                images.resolve("cam2/deep/0006.png").toString(), images.resolve("cam1/0001.jpg").toString(),
                images.resolve(ExtractFixture.CORRUPT).toString());
        MessageType schema = Types.buildMessage()
                .required(INT32).named("pid")
                .required(BINARY).as(LogicalTypeAnnotation.stringType()).named("uri")
                .named("manifest");
        Path manifest = tmp.resolve("manifest.parquet");
        try (ParquetWriter<Group> w = ExtractFiles.writer(ExtractFixture.localStorage(),
                new org.apache.hadoop.fs.Path(manifest.toUri()), schema)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(schema);
            for (int i = 0; i < uris.size(); i++) w.write(rows.newGroup().append("pid", i).append("uri", uris.get(i)));
        }
        Path out = tmp.resolve("out/manifest");
        JobRun r = ExtractFixture.extract(args(out.toString(), "--manifest", manifest.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 of 4 images embedded") && r.out().contains("1 unreadable")
                && r.out().contains("partitions: 1 run now, 0 done"), r.out());

        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        assertEquals("manifest", info.get("inputKind").asText());
        assertEquals(manifest.toString(), info.get("source").asText());
        Map<Path, float[]> expected = reference();
        Map<String, float[]> rows = ExtractFixture.embeddings(out.resolve("embeddings.parquet"), ExtractFixture.runId(model),
                info.get("dims").asInt());
        assertEquals(new TreeSet<>(uris.subList(0, 3)), new TreeSet<>(rows.keySet()), "the manifest's uris, as given, once each");
        for (Map.Entry<String, float[]> e : rows.entrySet()) {
            ExtractFixture.assertClose(expected.get(Path.of(e.getKey())), e.getValue(), e.getKey());
        }
        List<Group> bad = ExtractFixture.rows(out.resolve("unreadable.parquet"));
        assertEquals(1, bad.size());
        assertEquals(uris.get(4), bad.get(0).getString("uri", 0));
    }

    @Test
    void aRerunAfterACrashFinishesTheMissingPartitionsWithoutDuplicates() throws Exception {
        Path out = tmp.resolve("out/resume");
        Path work = out.resolveSibling("._incomplete-resume");
        // one core, so partitions 0 and 1 finish before partition 2 writes its files and fails
        JobRun crash = ExtractFixture.extract(args(out.toString(), "--input", images.toString(),
                "--partitions", "3", "reid.extract.fault-partition=2", "reid.spark.master=local[1]"));
        assertEquals(1, crash.code(), crash.err());
        assertTrue(crash.err().contains("injected fault"), crash.err());
        assertFalse(Files.exists(out), "nothing is published by a crashed run");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")) && Files.exists(work.resolve("done/part-00001.json")));
        assertFalse(Files.exists(work.resolve("done/part-00002.json")));
        assertTrue(Files.exists(work.resolve("embeddings.parquet/part-00002.parquet")), "the crashed partition left its file");
        Map<String, FileTime> before = modified(work);

        // resuming with another model, or another partitioning, is refused before anything is written
        Path other = ExtractFixture.publishModel(tmp.resolve("runs"), "other", 6);
        JobRun wrongModel = ExtractFixture.extract(List.of("--model", other.toString(), "--output", out.toString(),
                "--input", images.toString(), "--partitions", "3"));
        assertEquals(2, wrongModel.code(), wrongModel.err());
        assertTrue(wrongModel.err().contains("model run " + ExtractFixture.runId(model))
                && wrongModel.err().contains(ExtractFixture.runId(other)) && wrongModel.err().contains(work.toString()), wrongModel.err());
        JobRun wrongPartitions = ExtractFixture.extract(args(out.toString(), "--input", images.toString(),
                "--partitions", "2"));
        assertEquals(2, wrongPartitions.code(), wrongPartitions.err());
        assertTrue(wrongPartitions.err().contains("3 partitions (now 2)"), wrongPartitions.err());
        assertEquals(before, modified(work), "refused reruns leave the incomplete output as it was");
        // each complete partition's task wrote its NumPy pair; partition 0's .npy made stale (one row where the part
        // has more) and its .csv deleted: the final pass writes them again from the Parquet part, leaves partition 1's
        assertTrue(Files.exists(work.resolve("embeddings-npy/part-00001.npy")) && Files.exists(work.resolve("embeddings-npy/part-00001.csv")));
        try (java.io.OutputStream o = Files.newOutputStream(work.resolve("embeddings-npy/part-00000.npy"))) {
            org.reidspark.io.NpyWriter.writeMatrix(o, "stale", new float[4], 1, 4);
        }
        Files.delete(work.resolve("embeddings-npy/part-00000.csv"));
        // what a task attempt that died while writing its NumPy pair leaves: removed before publishing
        Files.writeString(work.resolve("embeddings-npy/.part-00002.npy.attempt-99"), "half a file");

        JobRun rerun = ExtractFixture.extract(args(out.toString(), "--input", images.toString(), "--partitions", "3"));
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("8 of 9 images embedded") && rerun.out().contains("partitions: 1 run now, 2 done by an earlier attempt"),
                rerun.out());
        assertFalse(Files.exists(work));
        Map<String, FileTime> after = modified(out);
        for (String f : List.of("embeddings.parquet/part-00000.parquet", "embeddings.parquet/part-00001.parquet",
                "unreadable.parquet/part-00000.parquet", "done/part-00001.json", "embeddings-npy/part-00001.npy",
                "embeddings-npy/part-00001.csv")) {
            assertEquals(before.get(f), after.get(f), f + " of a complete partition is not written again");
        }
        assertEquals(List.of(), ExtractFixture.hiddenFiles(out), "no temporary files left");

        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        assertEquals(1, info.get("partitionsThisAttempt").asInt());
        assertEquals(2, info.get("partitionsCountedFromFiles").asInt(), "the earlier attempt's partitions, from their footers");
        Map<String, float[]> rows = ExtractFixture.embeddings(out.resolve("embeddings.parquet"), ExtractFixture.runId(model),
                info.get("dims").asInt());
        assertEquals(8, rows.size(), "each image once");
        assertNpySameAsParquet(out, ExtractFixture.runId(model), info.get("dims").asInt(), 3);
        Map<Path, float[]> expected = reference();
        for (Map.Entry<String, float[]> e : rows.entrySet()) {
            ExtractFixture.assertClose(expected.get(local(e.getKey())), e.getValue(), e.getKey());
        }
        assertEquals(1, ExtractFixture.rows(out.resolve("unreadable.parquet")).size());
    }

    @Test
    void moreUnreadableImagesThanAllowedPublishNothingUntilARerunAllowsThem() throws Exception {
        Path out = tmp.resolve("out/strict");
        Path work = out.resolveSibling("._incomplete-strict");
        // the default reid.extract.max-bad-fraction (0.01) against 1 corrupt image of 9
        JobRun strict = ExtractFixture.extract(args(out.toString(), "--input", images.toString(), "--partitions", "2",
                "reid.extract.max-bad-fraction=0.01"));
        assertEquals(1, strict.code(), strict.err());
        assertTrue(strict.err().contains("1 of 9 images (11.11%) could not be decoded")
                && strict.err().contains("reid.extract.max-bad-fraction = 0.01 allows at most 0")
                && strict.err().contains(ExtractFixture.CORRUPT) && strict.err().contains(work.toString()), strict.err());
        assertFalse(Files.exists(out), "nothing published");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")) && Files.exists(work.resolve("done/part-00001.json")),
                "the embedded partitions are kept");

        // a complete partition's file that lost a row since (the footers' counts no longer add up): refused, nothing published
        Storage storage = new Storage(new org.apache.hadoop.conf.Configuration());
        org.apache.hadoop.fs.Path part0 = new org.apache.hadoop.fs.Path(work.resolve("embeddings.parquet/part-00000.parquet").toUri());
        List<EmbeddingRows.Row> kept = new ArrayList<>();
        try (org.apache.parquet.hadoop.ParquetReader<EmbeddingRows.Embedded> in = EmbeddingRows.reader(storage, part0)) {
            for (EmbeddingRows.Embedded e = in.read(); e != null; e = in.read()) {
                kept.add(new EmbeddingRows.Row(e.uri(), new float[][]{e.embedding()}, ExtractFixture.runId(model)));
            }
        }
        writeRows(storage, part0, kept.subList(1, kept.size()));
        JobRun lost = ExtractFixture.extract(args(out.toString(), "--input", images.toString(), "--partitions", "2",
                "reid.extract.max-bad-fraction=0.12"));
        assertEquals(1, lost.code(), lost.err());
        assertTrue(lost.err().contains("hold 7 embeddings and 1 unreadable images, not the 9 images of the input"), lost.err());
        assertFalse(Files.exists(out), "nothing published");
        writeRows(storage, part0, kept);

        JobRun allowed = ExtractFixture.extract(args(out.toString(), "--input", images.toString(), "--partitions", "2",
                "reid.extract.max-bad-fraction=0.12"));
        assertEquals(0, allowed.code(), allowed.err());
        assertTrue(allowed.out().contains("8 of 9 images embedded") && allowed.out().contains("partitions: 0 run now, 2 done"),
                allowed.out());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));
        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        assertEquals(2, info.get("partitionsCountedFromFiles").asInt());
    }

    private static void writeRows(Storage storage, org.apache.hadoop.fs.Path file, List<EmbeddingRows.Row> rows) throws Exception {
        try (org.apache.parquet.hadoop.ParquetWriter<EmbeddingRows.Row> w = EmbeddingRows.writer(storage, file, List.of("embedding"))) {
            for (EmbeddingRows.Row r : rows) w.write(r);
        }
    }

    /** Each part's {@code .npy} and {@code .csv} hold the part's rows: every uri once, its embedding as in the Parquet. */
    private static void assertNpySameAsParquet(Path out, String runId, int dims, int partitions) throws Exception {
        Map<String, float[]> parquet = ExtractFixture.embeddings(out.resolve("embeddings.parquet"), runId, dims);
        Map<String, float[]> npy = new java.util.HashMap<>();
        for (int k = 0; k < partitions; k++) {
            Path part = out.resolve("embeddings-npy/part-0000" + k);
            List<String> uris = Files.readAllLines(Path.of(part + ".csv"));
            assertEquals("uri", uris.get(0));
            try (java.io.InputStream in = Files.newInputStream(Path.of(part + ".npy"));
                 org.reidspark.io.NpyReader reader = org.reidspark.io.NpyReader.open(in, part + ".npy")) {
                assertEquals(uris.size() - 1, reader.header().shape()[0]);
                float[] all = reader.readAllFloats();
                for (int i = 1; i < uris.size(); i++) {
                    assertNull(npy.put(uris.get(i), java.util.Arrays.copyOfRange(all, (i - 1) * dims, i * dims)), uris.get(i));
                }
            }
        }
        assertEquals(parquet.keySet(), npy.keySet());
        for (String uri : parquet.keySet()) assertArrayEquals(parquet.get(uri), npy.get(uri), uri);
    }

    /** Modification time of every file below {@code dir}, by relative path. */
    private static Map<String, FileTime> modified(Path dir) throws Exception {
        Map<String, FileTime> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) out.put(dir.relativize(f).toString(), Files.getLastModifiedTime(f));
        }
        return out;
    }

    @Test
    void anotherJobsIncompleteDirectoryIsNotTakenOver() throws Exception {
        Path foreign = tmp.resolve("out/._incomplete-foreign");
        Files.createDirectories(foreign.resolve("checkpoints"));
        Files.writeString(foreign.resolve("checkpoints/state.bin"), "a training run's checkpoint");
        JobRun r = ExtractFixture.extract(args(tmp.resolve("out/foreign").toString(), "--input", images.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("incomplete run directory of another job"), r.err());
        try (Stream<Path> s = Files.list(foreign)) {
            assertEquals(List.of("checkpoints"), s.map(p -> p.getFileName().toString()).toList(), "left as it was");
        }
    }

    @Test
    void aMissingOrUnpublishedModelIsAClearError() throws Exception {
        JobRun missing = ExtractFixture.extract(List.of("--model", tmp.resolve("runs/nope").toString(),
                "--input", images.toString(), "--output", tmp.resolve("out/none").toString()));
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.err().contains("no run directory at") && missing.err().contains("runs/nope"), missing.err());

        Path half = Files.createDirectories(tmp.resolve("runs/half/model"));
        JobRun unpublished = ExtractFixture.extract(List.of("--model", half.getParent().toString(),
                "--input", images.toString(), "--output", tmp.resolve("out/none").toString()));
        assertEquals(1, unpublished.code(), unpublished.err());
        assertTrue(unpublished.err().contains("not a published run directory"), unpublished.err());

        JobRun none = ExtractFixture.extract(List.of("--input", images.toString()));
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("reid.extract.model"), none.err());

        JobRun both = ExtractFixture.extract(List.of("--model", model.toString(), "--input", images.toString(),
                "--manifest", "m.parquet"));
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("exactly one of reid.extract.input"), both.err());
        assertFalse(Files.exists(tmp.resolve("out/none")), "nothing written");
    }
}
