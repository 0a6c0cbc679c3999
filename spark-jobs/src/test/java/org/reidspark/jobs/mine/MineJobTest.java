package org.reidspark.jobs.mine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mine job on local Spark: a hand-worked case with ties, exact agreement with the brute-force single-machine
 * reference, determinism across partitionings, resume after an injected crash, refusals, and the measured identity
 * fraction with a catalog's labels.
 */
class MineJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<String> args(Path embeddings, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--embeddings", embeddings.toString(), "--output", output.toString()));
        a.addAll(List.of(more));
        return a;
    }

    /**
     * Six images on a line at 0, 0, 2, 3, 5, 10 (a duplicate, and equal distances), walk 2, nearest 2 (a candidate
     * qualifies unless the anchor is its nearest other image). Worked by hand from the lists (ties by key order):
     * a: b, c, ... ; b: a, c, ... ; c: d, a, b, e ; d: c, e, a, b ; e: d, c, a, b, f ; f: e, d, c, a, b.
     * a: b's nearest is a, skip; c's is d: negative c (rank 2, distance 2). b: likewise c. c: d's nearest is c, skip;
     * a's is b: negative a (rank 2; a, not b, by key order). d: c's nearest is d, e's nearest is d: none. e: d's
     * nearest is c: negative d (rank 1, distance 2). f: e's nearest is d: negative e (rank 1, distance 5).
     */
    @Test
    void aHandWorkedCaseWithTies() throws Exception {
        float[] x = {0, 0, 2, 3, 5, 10};
        List<String> keys = List.of("file:/d/a.jpg", "file:/d/b.jpg", "file:/d/c.jpg", "file:/d/d.jpg", "file:/d/e.jpg", "file:/d/f.jpg");
        float[][] rows = new float[6][];
        for (int i = 0; i < 6; i++) rows[i] = new float[] {1, x[i], -1};
        Path in = MineFixture.writeEmbeddings(tmp.resolve("emb"), keys, rows);
        Path out = tmp.resolve("out/hand");
        JobRun r = MineFixture.mine(args(in, out, "--walk", "2", "--nearest", "2", "--block-size", "4", "--partitions", "2"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("5 of 6 images have a negative (1 without"), r.out());
        assertEquals(List.of(
                new MineFixture.Negative("file:/d/a.jpg", "file:/d/c.jpg", 2, 2),
                new MineFixture.Negative("file:/d/b.jpg", "file:/d/c.jpg", 2, 2),
                new MineFixture.Negative("file:/d/c.jpg", "file:/d/a.jpg", 2, 2),
                new MineFixture.Negative("file:/d/e.jpg", "file:/d/d.jpg", 1, 2),
                new MineFixture.Negative("file:/d/f.jpg", "file:/d/e.jpg", 1, 5)), MineFixture.negatives(out.resolve("negatives.parquet")));
        JsonNode info = JSON.readTree(out.resolve("mining.json").toFile());
        assertEquals(5, info.get("found").asLong());
        assertEquals(1, info.get("none").asLong());
        assertEquals(2, info.get("neighbours").asInt());
        assertEquals("run-1", info.get("modelRunIds").asText());
        assertFalse(info.has("differentIdentityFraction"), "no labels asked for");
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));
    }

    @Test
    void equalsTheBruteForceReferenceAndDoesNotDependOnThePartitioning() throws Exception {
        int n = 61;
        float[][] rows = MineFixture.integers(n, 5, 3, 17);
        List<String> keys = MineFixture.keys(n);
        Path in = MineFixture.writeEmbeddings(tmp.resolve("emb"), keys, rows);
        List<MineFixture.Negative> expected = MineFixture.reference(keys, rows, 4, 3);
        assertTrue(expected.size() > 10 && expected.size() < n, "a case with negatives and anchors without: " + expected.size());
        List<List<MineFixture.Negative>> runs = new ArrayList<>();
        String[][] cuts = {{"7", "4"}, {"7", "1"}, {"7", "9"}};
        for (int c = 0; c < cuts.length; c++) {
            Path out = tmp.resolve("out/run" + c);
            JobRun r = MineFixture.mine(args(in, out, "--walk", "4", "--nearest", "3", "--block-size", cuts[c][0],
                    "--partitions", cuts[c][1]));
            assertEquals(0, r.code(), r.err());
            runs.add(MineFixture.negatives(out.resolve("negatives.parquet")));
        }
        assertEquals(expected, runs.get(0), "blockwise distributed mining equals the brute-force reference, rank and distance included");
        assertEquals(runs.get(0), runs.get(1), "1 partition");
        assertEquals(runs.get(0), runs.get(2), "9 partitions");
        // and a block size that is not the reference's blocking at all
        Path out = tmp.resolve("out/big-block");
        assertEquals(0, MineFixture.mine(args(in, out, "--walk", "4", "--nearest", "3", "--block-size", "64")).code());
        assertEquals(expected, MineFixture.negatives(out.resolve("negatives.parquet")));
    }

    @Test
    void aRerunAfterAnInjectedCrashFinishesOnlyTheMissingPartitions() throws Exception {
        int n = 40;
        float[][] rows = MineFixture.integers(n, 4, 3, 5);
        List<String> keys = MineFixture.keys(n);
        Path in = MineFixture.writeEmbeddings(tmp.resolve("emb"), keys, rows);
        Path out = tmp.resolve("out/crash");
        Path work = out.resolveSibling("._incomplete-crash");
        // local[1]: partitions 0 to 2 complete, partition 3 writes its neighbours and fails before its marker; the job stops
        JobRun crash = MineFixture.mine(args(in, out, "--block-size", "6", "--partitions", "4", "reid.mine.fault-partition=3",
                "reid.spark.master=local[1]"));
        assertNotEquals(0, crash.code());
        assertTrue(crash.err().contains("injected fault"), crash.err());
        assertFalse(Files.exists(out), "nothing published");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")) && Files.exists(work.resolve("done/part-00002.json")));
        assertFalse(Files.exists(work.resolve("done/part-00003.json")));
        assertTrue(Files.exists(work.resolve("neighbours.parquet/part-00003.parquet")), "partition 3's file without its marker");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(work.resolve("neighbours.parquet/part-00000.parquet"), old);

        JobRun other = MineFixture.mine(args(in, out, "--block-size", "5", "--partitions", "4"));
        assertNotEquals(0, other.code());
        assertTrue(other.err().contains("was started with reid.mine.block-size = 6 (now 5)"), other.err());

        JobRun rerun = MineFixture.mine(args(in, out, "--block-size", "6", "--partitions", "4"));
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("partitions: 1 run now, 3 done by an earlier attempt"), rerun.out());
        assertEquals(old, Files.getLastModifiedTime(out.resolve("neighbours.parquet/part-00000.parquet")), "partition 0 not redone");
        assertEquals(MineFixture.reference(keys, rows, 15, 3), MineFixture.negatives(out.resolve("negatives.parquet")));
        try (Stream<Path> s = Files.walk(out)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(".")).toList(), "no temporary files");
        }
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("._")).toList(),
                    "no incomplete directory or lock left");
        }
        JobRun again = MineFixture.mine(args(in, out));
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void labelsFromTheCatalogMeasureTheFractionOfOtherIdentities() throws Exception {
        Path root = MarketTree.write(tmp.resolve("market"));
        List<String> keys;
        try (Stream<Path> s = Files.walk(root)) {
            keys = s.filter(p -> p.toString().endsWith(".jpg")).map(p -> "file:" + p.toAbsolutePath()).sorted().toList();
        }
        float[][] rows = MineFixture.integers(keys.size(), 3, 4, 9);
        Path in = MineFixture.writeEmbeddings(tmp.resolve("emb"), keys, rows);
        Path out = tmp.resolve("out/labels");
        JobRun r = MineFixture.mine(args(in, out, "--labels", "--walk", "5", "reid.data.dataset=market1501",
                "reid.data.root=" + root));
        assertEquals(0, r.code(), r.err());
        List<MineFixture.Negative> expected = MineFixture.reference(keys, rows, 5, 3);
        assertEquals(expected, MineFixture.negatives(out.resolve("negatives.parquet")));
        long different = expected.stream().filter(e -> pid(e.key()) != pid(e.negativeKey())).count();
        JsonNode info = JSON.readTree(out.resolve("mining.json").toFile());
        assertEquals(expected.size(), info.get("labelled").asLong(), "every image is in the catalog");
        assertEquals(different, info.get("differentIdentity").asLong());
        assertEquals(different / (double) expected.size(), info.get("differentIdentityFraction").asDouble(), 1e-12);
    }

    /** Market-1501's person id: the file name's first four digits. */
    private static int pid(String uri) {
        return Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1, uri.lastIndexOf('/') + 5));
    }

    @Test
    void anUnpublishedOrWrongInputIsAClearError() throws Exception {
        Path missing = tmp.resolve("nothing");
        JobRun r = MineFixture.mine(args(missing, tmp.resolve("out/x")));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("is not a published extract output"), r.err());

        Path in = MineFixture.writeEmbeddings(tmp.resolve("emb"), List.of("file:/a.jpg", "file:/a.jpg"),
                new float[][] {{1, 2}, {3, 4}});
        r = MineFixture.mine(args(in, tmp.resolve("out/y")));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("the key file:/a.jpg has more than one embedding row"), r.err());
    }
}
