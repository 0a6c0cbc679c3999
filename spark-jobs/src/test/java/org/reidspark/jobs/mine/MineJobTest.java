package org.reidspark.jobs.mine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.method.TrainingData;
import org.reidspark.method.paul.CyclicRanking;
import org.reidspark.method.paul.PaulMethod;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.KeyedState;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

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
        int[][] nearest = nearestLists(rows);
        long nearestDifferent = 0;
        for (int i = 0; i < keys.size(); i++) if (pid(keys.get(i)) != pid(keys.get(nearest[i][0]))) nearestDifferent++;
        assertEquals(keys.size(), info.get("nearestLabelled").asLong());
        assertEquals(nearestDifferent / (double) keys.size(), info.get("nearestDifferentIdentityFraction").asDouble(), 1e-12,
                "the plain nearest neighbour measured the same way");
        assertTrue(r.out().contains("nearest neighbours: "), r.out());
    }

    private static int[][] nearestLists(float[][] rows) {
        double[][] e = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            e[i] = new double[rows[i].length];
            for (int k = 0; k < e[i].length; k++) e[i][k] = rows[i][k];
        }
        return CyclicRanking.neighbourLists(Nd4j.create(e), 1);
    }

    /**
     * A PAUL checkpoint's image memory is mined as an extract output would be: the rows with an entry, named by the
     * uris of reid.data's training images (keys are manifest places), equal to the brute-force reference over them; a
     * row without an entry is left out. A checkpoint of another dataset, or without an image memory, is refused.
     */
    @Test
    void aCheckpointsImageMemoryIsMinedUnderItsImagesUris() throws Exception {
        Path root = MarketTree.write(tmp.resolve("market"));
        com.typesafe.config.Config config = org.reidspark.config.ConfigLoader.load(List.of("reid.data.dataset=market1501",
                "reid.data.root=\"" + root + "\""));
        Storage storage = new Storage(new org.apache.hadoop.conf.Configuration());
        org.reidspark.data.catalog.DataConfig data = org.reidspark.data.synth.SynthDatasets.resolve(config, storage);
        org.reidspark.data.Manifest manifest = org.reidspark.data.catalog.Catalogs.of(data).read(storage, data.root());
        long[] trainKeys = TrainingData.of(manifest).trainKeys();
        int n = trainKeys.length;
        float[][] values = MineFixture.integers(n, 3, 4, 12);
        INDArray memory = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, 4);
        List<String> uris = new ArrayList<>();
        List<float[]> filled = new ArrayList<>();
        java.util.TreeMap<String, float[]> byUri = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            if (i == 1) continue; // never seen: no entry
            memory.putScalar(i, 0, 1.0);
            for (int k = 0; k < 3; k++) memory.putScalar(i, 1 + k, values[i][k]);
            byUri.put(Storage.path(manifest.samples().get((int) trainKeys[i]).uri()).toString(), values[i]);
        }
        for (var e : byUri.entrySet()) {
            uris.add(e.getKey());
            filled.add(e.getValue());
        }
        TrainingState state = new TrainingState(new NetworkSet());
        state.putAux(PaulMethod.IMAGE_MEMORY, new KeyedState(trainKeys, memory));
        Path ckpt = tmp.resolve("ckpt");
        new Checkpoints(storage, new org.apache.hadoop.fs.Path(ckpt.toUri())).save(state);

        Path out = tmp.resolve("out/memory");
        JobRun r = MineFixture.mine(List.of("--checkpoint", ckpt.toString(), "--output", out.toString(), "--walk", "5",
                "--labels", "reid.data.dataset=market1501", "reid.data.root=" + root));
        assertEquals(0, r.code(), r.err());
        List<MineFixture.Negative> expected = MineFixture.reference(uris, filled.toArray(new float[0][]), 5, 3);
        List<MineFixture.Negative> got = MineFixture.negatives(out.resolve("negatives.parquet"));
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i).key(), Storage.path(got.get(i).key()).toString());
            assertEquals(expected.get(i).negativeKey(), Storage.path(got.get(i).negativeKey()).toString());
            assertEquals(expected.get(i).rank(), got.get(i).rank());
        }
        JsonNode info = JSON.readTree(out.resolve("mining.json").toFile());
        assertEquals(n - 1, info.get("images").asLong(), "the row without an entry is left out");
        assertEquals(ckpt.toString(), info.get("checkpoint").asText());
        assertTrue(info.get("labelled").asLong() > 0);

        // another dataset (one training image fewer than the memory's rows), and a checkpoint without a memory
        TrainingState wrong = new TrainingState(new NetworkSet());
        long[] more = java.util.Arrays.copyOf(trainKeys, n + 1);
        more[n] = trainKeys[n - 1] + 1_000_000;
        wrong.putAux(PaulMethod.IMAGE_MEMORY, new KeyedState(more, Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, n + 1, 4)));
        Path other = tmp.resolve("ckpt-other");
        new Checkpoints(storage, new org.apache.hadoop.fs.Path(other.toUri())).save(wrong);
        r = MineFixture.mine(List.of("--checkpoint", other.toString(), "--output", tmp.resolve("out/o").toString(),
                "reid.data.dataset=market1501", "reid.data.root=" + root));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains((n + 1) + " training images") && r.err().contains("the dataset the checkpoint trained on"), r.err());
        Path empty = tmp.resolve("ckpt-empty");
        new Checkpoints(storage, new org.apache.hadoop.fs.Path(empty.toUri())).save(new TrainingState(new NetworkSet()));
        r = MineFixture.mine(List.of("--checkpoint", empty.toString(), "--output", tmp.resolve("out/e").toString(),
                "reid.data.dataset=market1501", "reid.data.root=" + root));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("image memory") && r.err().contains("no auxiliary state"), r.err());
        r = MineFixture.mine(List.of("--checkpoint", tmp.resolve("none").toString(), "--output", tmp.resolve("out/n").toString(),
                "reid.data.dataset=market1501", "reid.data.root=" + root));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("reid.mine.checkpoint") && r.err().contains("none is there"), r.err());
        r = MineFixture.mine(List.of("--checkpoint", ckpt.toString(), "--embeddings", ckpt.toString(), "--output", tmp.resolve("out/b").toString()));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("exactly one of"), r.err());
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
