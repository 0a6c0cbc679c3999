package org.reidspark.jobs.mine;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.eval.TestFeatures;
import org.reidspark.jobs.extract.EmbeddingRows;
import org.reidspark.jobs.extract.ExtractFiles;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.method.paul.CyclicRanking;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Extract-layout embeddings written directly (no model needed), the mine job run in-process, and a brute-force reference. */
final class MineFixture {
    private MineFixture() {
    }

    /** One row of {@code negatives.parquet}. */
    record Negative(String key, String negativeKey, int rank, double distance) {
    }

    /**
     * Writes a published extract output at {@code dir}: {@code embeddings.parquet} with {@code keys[i] -> rows[i]}, the
     * rows spread over two part files in an order other than the keys' (the job must sort), and {@code _PUBLISHED}.
     */
    static Path writeEmbeddings(Path dir, List<String> keys, float[][] rows) throws IOException {
        Storage storage = new Storage(new Configuration());
        int n = keys.size();
        List<Integer> order = new ArrayList<>();
        for (int i = n - 1; i >= 0; i -= 2) order.add(i);
        for (int i = n - 2; i >= 0; i -= 2) order.add(i);
        for (int part = 0; part < 2; part++) {
            org.apache.hadoop.fs.Path file = PartitionedWork.file(Storage.path(dir.toString()), ExtractFiles.EMBEDDINGS, part);
            try (ParquetWriter<EmbeddingRows.Row> out = EmbeddingRows.writer(storage, file, List.of(TestFeatures.EMBEDDING))) {
                List<Integer> mine = part == 0 ? order.subList(0, order.size() / 2) : order.subList(order.size() / 2, order.size());
                for (int i : mine) out.write(new EmbeddingRows.Row(keys.get(i), new float[][]{rows[i]}, "run-1"));
            }
        }
        Files.writeString(dir.resolve("_PUBLISHED"), "now\n");
        return dir;
    }

    /** {@code n} rows of {@code d} small integers in [-range/2, range/2): many exact ties, every distance exact in float. */
    static float[][] integers(int n, int d, int range, long seed) {
        Random r = new Random(seed);
        float[][] v = new float[n][d];
        for (float[] row : v) for (int k = 0; k < d; k++) row[k] = r.nextInt(range) - range / 2;
        // a few duplicated rows: distance-0 ties
        v[n / 2] = v[0].clone();
        v[n - 1] = v[1].clone();
        return v;
    }

    static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) keys.add(String.format("file:/data/set/img-%04d.jpg", i));
        return keys;
    }

    /**
     * The brute-force single-machine reference: full neighbour lists of every image ({@link CyclicRanking#neighbourLists},
     * double precision, ties by index = key order for sorted keys), the walk, and each negative's rank and exact distance.
     */
    static List<Negative> reference(List<String> sortedKeys, float[][] rowsInKeyOrder, int walk, int nearest) {
        int n = sortedKeys.size();
        double[][] e = new double[n][];
        for (int i = 0; i < n; i++) {
            e[i] = new double[rowsInKeyOrder[i].length];
            for (int k = 0; k < e[i].length; k++) e[i][k] = rowsInKeyOrder[i][k];
        }
        int[][] full = CyclicRanking.neighbourLists(Nd4j.create(e).castTo(DataType.DOUBLE), n);
        int[] negatives = new CyclicRanking(walk, nearest).global(full);
        List<Negative> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = negatives[i];
            if (c == CyclicRanking.NONE) continue;
            int rank = 0;
            while (full[i][rank] != c) rank++;
            double s = 0;
            for (int k = 0; k < e[i].length; k++) s += (e[i][k] - e[c][k]) * (e[i][k] - e[c][k]);
            out.add(new Negative(sortedKeys.get(i), sortedKeys.get(c), rank + 1, Math.sqrt(s)));
        }
        return out;
    }

    /** {@code Main.run("mine", ...)} in-process on local[2] (args may override the master). */
    static JobRun mine(List<String> args) {
        List<String> all = new ArrayList<>(List.of("mine", "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false"));
        all.addAll(args);
        return JobRun.run(all);
    }

    /** The rows of a {@code negatives.parquet} file, in file order. */
    static List<Negative> negatives(Path file) throws IOException {
        List<Negative> out = new ArrayList<>();
        try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).build()) {
            for (Group g = r.read(); g != null; g = r.read()) {
                out.add(new Negative(g.getString("key", 0), g.getString("negative_key", 0), g.getInteger("rank", 0),
                        g.getDouble("distance", 0)));
            }
        }
        return out;
    }
}
