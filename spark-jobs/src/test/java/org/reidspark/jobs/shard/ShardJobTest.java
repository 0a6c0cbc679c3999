package org.reidspark.jobs.shard;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.shard.Shard;
import org.reidspark.data.shard.Sharder;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.SparkSessions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shard job on local[2] over a small Market-1501 tree with one corrupt JPEG, and reading its output back. */
class ShardJobTest {
    @TempDir
    static Path tmp;
    static Path root;

    @BeforeAll
    static void tree() throws Exception {
        root = MarketTree.write(tmp.resolve("market"));
    }

    private static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString(), "--shards", "2"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void shardsATreeSkippingTheCorruptImageAndReadsItBack() throws Exception {
        Path out = tmp.resolve("sets/market");
        JobRun r = MarketTree.shard(args("--output", out.toString(), "--max-bad-fraction", "0.1"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));

        JsonNode info = new ObjectMapper().readTree(out.resolve("shard.json").toFile());
        assertEquals(MarketTree.SAMPLES, info.get("samples").asInt());
        assertEquals(1, info.get("bad").asInt());
        assertEquals(MarketTree.HEIGHT, info.get("height").asInt());
        assertEquals(2, info.at("/splits/train/shards").asInt());
        assertEquals(13, info.at("/splits/train/images").asInt());
        assertEquals(5, info.get("trainIdentities").asInt());

        List<String> bad = Files.readAllLines(out.resolve("bad-images.csv"));
        assertEquals(2, bad.size(), "header and the one corrupt image: " + bad);
        assertTrue(bad.get(1).contains(MarketTree.CORRUPT) && bad.get(1).contains(",train,2,1,"), bad.get(1));
        assertTrue(bad.get(1).contains("corrupt") || bad.get(1).contains("truncated"), bad.get(1));

        // a published shard set is not replaced unless asked
        JobRun again = MarketTree.shard(args("--output", out.toString(), "--max-bad-fraction", "0.1"));
        assertEquals(1, again.code(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("reid.shard.output")
                && again.err().contains("reid.run.overwrite"), again.err());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));

        Manifest catalog = Catalogs.byName("market1501").read(MarketTree.localStorage(), root.toString());
        JobContext ctx = MarketTree.context(List.of());
        SparkSession spark = SparkSessions.create(ctx);
        try {
            ShardSet set = ShardSet.open(ctx.storage(), out.toString());
            assertEquals(MarketTree.HEIGHT, set.height());
            assertEquals(MarketTree.WIDTH, set.width());

            // the manifest: every sample in catalog order, keyed by its index, the corrupt one marked bad
            List<Row> manifest = set.manifest(spark).orderBy("key").collectAsList();
            assertEquals(catalog.samples().size(), manifest.size());
            for (int i = 0; i < manifest.size(); i++) {
                Row row = manifest.get(i);
                Sample s = catalog.samples().get(i);
                assertEquals(i, ShardRows.key(row));
                assertEquals(s, ShardRows.sample(row));
                Path file = MarketTree.file(root, s.split(), MarketTree.name(s.uri()));
                assertEquals(Sharder.sha256(Files.readAllBytes(file)), row.getAs("sha256"), s.uri());
                boolean corrupt = MarketTree.name(s.uri()).equals(MarketTree.CORRUPT);
                assertEquals(corrupt ? "bad" : "ok", row.getAs("status"), s.uri());
                if (!corrupt) assertNull(row.getAs("problem"));
            }
            // the same rows read without Spark (extract's plan reads them so)
            List<ShardSet.Entry> entries = new java.util.ArrayList<>(set.entries(ctx.storage()));
            entries.sort(java.util.Comparator.comparingLong(ShardSet.Entry::key));
            assertEquals(manifest.size(), entries.size());
            for (int i = 0; i < manifest.size(); i++) {
                Row row = manifest.get(i);
                assertEquals(new ShardSet.Entry(row.getAs("key"), row.getAs("uri"), row.getAs("split"), row.<Integer>getAs("shard"),
                        row.getAs("status"), row.getAs("problem")), entries.get(i));
            }

            // every split's persons each in exactly one shard; stored images are the decoded, resized files
            for (Split split : Split.values()) {
                Map<Integer, Set<Integer>> shardsOfPid = new HashMap<>();
                int images = 0;
                for (int k = 0; k < set.shards(split); k++) {
                    Shard shard = set.load(spark, split, k);
                    assertEquals(split, shard.split());
                    for (int i = 0; i < shard.size(); i++) {
                        Sample s = shard.samples().get(i);
                        shardsOfPid.computeIfAbsent(s.pid(), p -> new HashSet<>()).add(k);
                        assertFalse(MarketTree.name(s.uri()).equals(MarketTree.CORRUPT), "the corrupt image is not in a shard");
                        assertEquals(s, catalog.samples().get((int) shard.key(i)), "key is the manifest index");
                        byte[] file = Files.readAllBytes(MarketTree.file(root, split, MarketTree.name(s.uri())));
                        assertEquals(MarketTree.expected(file), shard.images().image(s.uri()), s.uri());
                        images++;
                    }
                }
                shardsOfPid.forEach((pid, ks) -> assertEquals(1, ks.size(), split + " pid " + pid + " in shards " + ks));
                int expected = (int) catalog.split(split).stream()
                        .filter(s -> !MarketTree.name(s.uri()).equals(MarketTree.CORRUPT)).count();
                assertEquals(expected, images, split + " images in shards");
            }
            assertEquals(2, set.shards(Split.QUERY), "two query persons, two shards");

            // one Shard per partition, partition i holding shard i, as training reads them (each task its shard's
            // folder): the same keys, samples and images as the shard read through Spark SQL
            for (Split split : Split.values()) {
                List<String> parts = set.shards(spark, split)
                        .mapPartitionsWithIndex((Integer i, java.util.Iterator<Shard> it) -> {
                            List<String> l = new ArrayList<>();
                            while (it.hasNext()) l.add(i + "|" + describe(it.next()));
                            return l.iterator();
                        }, true).collect();
                assertEquals(set.shards(split), parts.size(), parts.toString());
                for (int k = 0; k < parts.size(); k++) {
                    assertEquals(k + "|" + describe(set.load(spark, split, k)), parts.get(k), split + " shard " + k);
                }
            }
            List<String> train = set.shards(spark, Split.TRAIN).map(ShardJobTest::describe).collect();
            assertEquals(13, train.stream().mapToInt(d -> Integer.parseInt(d.split(":")[2])).sum());
            // only the shards asked for are read; the others are empty
            List<String> onlyOne = set.shards(spark, Split.TRAIN, Set.of(1)).map(ShardJobTest::describe).collect();
            assertEquals(List.of(describe(Shard.builder(Split.TRAIN, 0).build()), train.get(1)), onlyOne);
        } finally {
            spark.stop();
        }
    }

    @Test
    void aShardFolderThatLostAFileFailsItsTaskNamingIt() throws Exception {
        Path out = tmp.resolve("sets/damaged");
        JobRun r = MarketTree.shard(args("--output", out.toString(), "--max-bad-fraction", "0.1"));
        assertEquals(0, r.code(), r.err());
        Path folder = out.resolve("shards/split=train/shard=1");
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) Files.delete(f);
        }
        JobContext ctx = MarketTree.context(List.of());
        SparkSession spark = SparkSessions.create(ctx);
        try {
            ShardSet set = ShardSet.open(ctx.storage(), out.toString());
            assertEquals(2, set.shards(spark, Split.QUERY).count(), "the other splits still read");
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> set.shards(spark, Split.TRAIN).map(ShardJobTest::describe).collect());
            String message = String.valueOf(e.getMessage());
            assertTrue(message.contains("split=train/shard=1") && message.contains("holds 0 images")
                    && message.contains("the shard set is damaged"), message);
            // the intact shard alone still reads
            assertEquals(2, set.shards(spark, Split.TRAIN, Set.of(0)).count());
        } finally {
            spark.stop();
        }
    }

    /** A shard's id, size, keys, samples and a hash of each image's bytes, to compare two readings of it. */
    static String describe(Shard shard) {
        StringBuilder b = new StringBuilder(shard.split() + ":" + shard.id() + ":" + shard.size() + ":" + java.util.Arrays.toString(shard.keys()));
        for (Sample s : shard.samples()) {
            b.append('|').append(s).append('#').append(java.util.Arrays.hashCode(shard.images().image(s.uri()).rgb()));
        }
        return b.toString();
    }

    @Test
    void imageShardsSplitAPersonAndAreRecorded() throws Exception {
        Path out = tmp.resolve("sets/by-image");
        JobRun r = MarketTree.shard(args("--output", out.toString(), "--max-bad-fraction", "0.1", "reid.shard.by=image"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("images in image shards"), r.out());
        JsonNode info = new ObjectMapper().readTree(out.resolve("shard.json").toFile());
        assertEquals("image", info.get("by").asText());
        JobContext ctx = MarketTree.context(List.of());
        SparkSession spark = SparkSessions.create(ctx);
        try {
            ShardSet set = ShardSet.open(ctx.storage(), out.toString());
            Map<Integer, Set<Integer>> shardsOfPid = new HashMap<>();
            int[] sizes = new int[set.shards(Split.TRAIN)];
            for (int k = 0; k < sizes.length; k++) {
                Shard shard = set.load(spark, Split.TRAIN, k);
                sizes[k] = shard.size();
                for (Sample s : shard.samples()) shardsOfPid.computeIfAbsent(s.pid(), p -> new HashSet<>()).add(k);
            }
            assertEquals(2, sizes.length);
            assertTrue(Math.abs(sizes[0] - sizes[1]) <= 1, "equal blocks: " + java.util.Arrays.toString(sizes));
            assertTrue(shardsOfPid.values().stream().anyMatch(k -> k.size() > 1), "some person in both shards: " + shardsOfPid);
            List<String> diff = set.differences(info.get("manifestSha256").asText(), MarketTree.HEIGHT, MarketTree.WIDTH, 2, "identity");
            assertEquals(List.of("training images grouped by image -> by identity"), diff);
        } finally {
            SparkSessions.stop(spark);
        }
    }

    @Test
    void tooManyBadImagesFailWithAClearLineAndPublishNothing() throws Exception {
        Path sets = tmp.resolve("strict");
        JobRun r = MarketTree.shard(args("--output", sets.resolve("market").toString(), "--max-bad-fraction", "0.01"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("1 of " + MarketTree.SAMPLES + " images") && r.err().contains(MarketTree.CORRUPT)
                && r.err().contains("reid.shard.max-bad-fraction"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        try (Stream<Path> left = Files.list(sets)) {
            assertEquals(List.of(), left.toList(), "no published or temporary output");
        }
    }

    @Test
    void aMissingDatasetIsOneClearLine() {
        Path missing = tmp.resolve("no-such-dataset");
        JobRun r = MarketTree.shard(List.of("--root", missing.toString(), "--output", tmp.resolve("x/y").toString()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("reid.data.root"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertFalse(Files.exists(tmp.resolve("x/y")));
    }
}
