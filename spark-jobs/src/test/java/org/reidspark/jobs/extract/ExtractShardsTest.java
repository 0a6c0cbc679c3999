package org.reidspark.jobs.extract;

import org.reidspark.jobs.testing.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.S3Proxy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code extract --shards}: a shard set's stored images embedded without decoding any file, locally and through S3A
 * (s3proxy), equal to the same images embedded from their files; its bad images listed with the shard set's reason;
 * its splits chosen by name; a shard set of another size refused; a damaged shard failing the job, publishing nothing.
 */
class ExtractShardsTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path tree;
    static Path set;
    /** The tree's image files by file name (names are unique in it). */
    static Map<String, Path> files;
    /** The core Embedder's embeddings of those files, by file name. */
    static Map<String, float[]> reference;

    @BeforeAll
    static void shardTheTree() throws Exception {
        model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 11);
        tree = MarketTree.write(tmp.resolve("market"));
        set = shard(tmp.resolve("sets/market"), 32, 16);
        try (Stream<Path> s = Files.walk(tree)) {
            files = new HashMap<>();
            s.filter(f -> f.toString().endsWith(".jpg")).forEach(f -> files.put(f.getFileName().toString(), f));
        }
        List<String> corrupt = new ArrayList<>();
        List<Path> good = new ArrayList<>();
        for (Path f : files.values()) {
            try {
                new ImageDecoder(Alpha.BLACK).decode(Files.readAllBytes(f), f.toString());
                good.add(f);
            } catch (ImageDecodeException e) {
                corrupt.add(f.getFileName().toString());
            }
        }
        assertEquals(1, corrupt.size(), "the tree's one truncated JPEG: " + corrupt);
        reference = new HashMap<>();
        ExtractFixture.reference(model, good).forEach((f, v) -> reference.put(f.getFileName().toString(), v));
    }

    private static Path shard(Path out, int height, int width) {
        JobRun r = JobRun.run(List.of("shard", "reid.data.dataset=market1501", "reid.spark.master=local[2]",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.input.height=" + height, "reid.input.width=" + width,
                "--root", tree.toString(), "--shards", "2", "--output", out.toString(), "--max-bad-fraction", "0.1"));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    private static String name(String uri) {
        return Path.of(URI.create(uri).getPath()).getFileName().toString();
    }

    /** Every embedding equals the Embedder's of the same file (decoded, resized, normalized as a task would). */
    private static void assertSameAsTheFiles(Map<String, float[]> rows) {
        for (Map.Entry<String, float[]> e : rows.entrySet()) {
            String n = name(e.getKey());
            assertTrue(e.getKey().endsWith(files.get(n).toString()), e.getKey() + " is the shard set's uri of " + files.get(n));
            ExtractFixture.assertClose(reference.get(n), e.getValue(), e.getKey());
        }
    }

    @Test
    void embedsEveryStoredImageAsItsFileWouldBeAndListsTheBadOne() throws Exception {
        Path out = tmp.resolve("out/all");
        JobRun r = ExtractFixture.extract(List.of("--model", model.toString(), "--shards", set.toString(),
                "--output", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("20 of 21 images embedded") && r.out().contains("1 unreadable"), r.out());
        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        assertEquals("shards", info.get("inputKind").asText());
        assertEquals("[\"train\",\"query\",\"gallery\"]", info.get("splits").toString());
        JsonNode shardSet = new ObjectMapper().readTree(set.resolve("shard.json").toFile());
        int partitions = 0;
        for (String split : List.of("train", "query", "gallery")) partitions += shardSet.path("splits").path(split).path("shards").asInt();
        assertEquals(partitions, info.get("partitions").asInt(), "one partition per shard: " + info);

        Map<String, float[]> rows = ExtractFixture.embeddings(out.resolve(ExtractFiles.EMBEDDINGS), ExtractFixture.runId(model),
                info.get("dims").asInt());
        assertEquals(20, rows.size());
        assertSameAsTheFiles(rows);
        SparkSession spark = ExtractFixture.spark(List.of());
        try {
            Map<String, String> bad = ExtractFixture.unreadable(spark, out.resolve(ExtractFiles.UNREADABLE).toString());
            assertEquals(1, bad.size(), bad.toString());
            String uri = bad.keySet().iterator().next();
            String problem = spark.read().parquet(set.resolve("manifest.parquet").toString()).where("status = 'bad'")
                    .select("problem").first().getString(0);
            assertEquals(problem, bad.get(uri), "the shard set's own reason");
        } finally {
            spark.stop();
        }

        // the same images from their files, through the decoding path: the same embeddings
        Path fromFiles = tmp.resolve("out/files");
        JobRun f = ExtractFixture.extract(List.of("--model", model.toString(), "--input", tree.toString(),
                "--output", fromFiles.toString()));
        assertEquals(0, f.code(), f.err());
        Map<String, float[]> decoded = ExtractFixture.embeddings(fromFiles.resolve(ExtractFiles.EMBEDDINGS),
                ExtractFixture.runId(model), info.get("dims").asInt());
        assertEquals(rows.size(), decoded.size());
        for (Map.Entry<String, float[]> e : rows.entrySet()) {
            String uri = decoded.keySet().stream().filter(u -> name(u).equals(name(e.getKey()))).findFirst().orElseThrow();
            ExtractFixture.assertClose(decoded.get(uri), e.getValue(), e.getKey());
        }
    }

    @Test
    void embedsTheChosenSplitsOnly() throws Exception {
        Path out = tmp.resolve("out/test");
        JobRun r = ExtractFixture.extract(List.of("--model", model.toString(), "--shards", set.toString(),
                "--splits", "gallery,query", "--output", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("7 of 7 images embedded"), r.out());
        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        Map<String, float[]> rows = ExtractFixture.embeddings(out.resolve(ExtractFiles.EMBEDDINGS), ExtractFixture.runId(model),
                info.get("dims").asInt());
        assertEquals(7, rows.size());
        assertTrue(rows.keySet().stream().allMatch(u -> u.contains("/query/") || u.contains("/bounding_box_test/")), rows.keySet().toString());
        assertSameAsTheFiles(rows);
        assertEquals("[\"query\",\"gallery\"]", info.get("splits").toString());
    }

    @Test
    void refusesAShardSetOfAnotherSizeAndADamagedShard() throws Exception {
        Path small = shard(tmp.resolve("sets/small"), 16, 8);
        Path out = tmp.resolve("out/small");
        JobRun r = ExtractFixture.extract(List.of("--model", model.toString(), "--shards", small.toString(), "--output", out.toString()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("stores its images at 16x8") && r.err().contains("takes 32x16")
                && r.err().contains("reid.extract.manifest = "), r.err());
        assertTrue(!Files.exists(out) && !Files.exists(out.resolveSibling("._incomplete-small")), "nothing written");

        // one shard's stored images gone: the job fails naming the folder, and publishes nothing
        Path damaged = tmp.resolve("sets/damaged");
        TestFiles.copyTree(set, damaged);
        Path folder = damaged.resolve("shards/split=gallery/shard=0");
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Path out2 = tmp.resolve("out/damaged");
        JobRun d = ExtractFixture.extract(List.of("--model", model.toString(), "--shards", damaged.toString(),
                "--output", out2.toString()));
        assertTrue(d.code() != 0, d.out());
        assertTrue(d.err().contains("shard folder") && d.err().contains("split=gallery/shard=0") && d.err().contains("lacks"), d.err());
        assertTrue(!Files.exists(out2.resolve("_PUBLISHED")), "not published");
    }

    @Test
    void embedsAShardSetOnS3() throws Exception {
        try (S3Proxy s3 = S3Proxy.start()) {
            s3.upload(set, "sets/market");
            s3.upload(model, "runs/tiny");
            List<String> args = new ArrayList<>(s3.overrides());
            args.addAll(List.of("--model", s3.uri("runs/tiny"), "--shards", s3.uri("sets/market"), "--splits", "query,gallery",
                    "--output", s3.uri("embeddings/test")));
            JobRun r = ExtractFixture.extract(args);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("7 of 7 images embedded") && r.out().contains(s3.uri("embeddings/test")), r.out());
            assertTrue(s3.keys("embeddings/").contains("embeddings/test/_PUBLISHED"));
            JsonNode info = new ObjectMapper().readTree(s3.get("embeddings/test/extract.json"));
            SparkSession spark = ExtractFixture.spark(s3.hadoopProperties());
            try {
                Map<String, float[]> rows = ExtractFixture.embeddings(spark, s3.uri("embeddings/test/embeddings.parquet"),
                        ExtractFixture.runId(model), info.get("dims").asInt());
                assertEquals(7, rows.size());
                assertSameAsTheFiles(rows);
            } finally {
                spark.stop();
            }
        }
    }

}
