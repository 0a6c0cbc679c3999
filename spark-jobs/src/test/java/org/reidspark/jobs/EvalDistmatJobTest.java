package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Labels;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.RankingOptions;
import org.reidspark.eval.rerank.FeatureDistances;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.reidspark.eval.rerank.MatrixDistances;
import org.reidspark.io.NpyReader;
import org.reidspark.io.NpyWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalDistmatJobTest {
    @TempDir
    Path tmp;

    private JobRun run(String... args) {
        List<String> all = new ArrayList<>(List.of("eval-distmat"));
        all.addAll(List.of(args));
        return JobRun.run(all);
    }

    private String file(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    private String npy(String name, double[] data, int rows, int cols) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            NpyWriter.writeMatrix(out, name, data, rows, cols);
        }
        return p.toString();
    }

    private String npy(String name, float[] data, int rows, int cols) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            NpyWriter.writeMatrix(out, name, data, rows, cols);
        }
        return p.toString();
    }

    private static JsonNode json(String path) throws IOException {
        return new ObjectMapper().readTree(Files.readString(Path.of(path)));
    }

    private static double[] cmc(JsonNode m) {
        double[] c = new double[m.get("cmc").size()];
        for (int i = 0; i < c.length; i++) c[i] = m.get("cmc").get(i).asDouble();
        return c;
    }

    /** The hand-checked standard case of RankingEvaluatorTest: mAP 41/60, mINP 0.7, CMC [.5, .5, 1, 1, 1, 1]. */
    @Test
    void evaluatesAFloat64MatrixAndWritesMetricsJson() throws IOException {
        String q = file("Q.csv", "pid,camid\n1,0\n2,1\n3,1\n");
        String g = file("G.csv", "pid,camid\n1,0\n2,1\n1,1\n3,0\n1,2\n0,1\n");
        String d = npy("D.npy", new double[] {.1, .2, .3, .4, .5, .05, .3, .1, .2, .4, .5, .6, .9, .8, .7, .1, .6, .5}, 3, 6);
        String out = tmp.resolve("metrics.json").toString();
        JobRun o = run("--distmat", d, "--query", q, "--gallery", g, "--output", out);
        assertEquals(0, o.code(), o.err());
        JsonNode m = json(out);
        assertEquals(41.0 / 60, m.get("mAP").asDouble(), 1e-12);
        assertEquals(0.7, m.get("mINP").asDouble(), 1e-12);
        assertEquals(2, m.get("validQueries").asInt());
        assertArrayEquals(new double[] {.5, .5, 1, 1, 1, 1}, cmc(m), 1e-12);
        assertEquals("standard", m.get("protocol").asText());
        assertFalse(Files.exists(tmp.resolve(".metrics.json.crc")), "no Hadoop checksum side file");
    }

    /** The hand-checked clothes case: clothes-changing AP = INP = 1/3, CMC [0, 0, 1, 1, 1]. */
    @Test
    void clothesChangingProtocolFromAFloat32Matrix() throws IOException {
        String q = file("Q.csv", "pid,camid,clothes\n1,0,5\n");
        String g = file("G.csv", "clothes,pid,camid\n5,1,1\n9,2,1\n6,1,0\n6,1,2\n5,3,2\n");
        String d = npy("D.npy", new float[] {.1f, .2f, .3f, .4f, .35f}, 1, 5);
        String out = tmp.resolve("cc.json").toString();
        JobRun o = run("--distmat", d, "--query", q, "--gallery", g, "--protocol", "clothes-changing", "--output", out);
        assertEquals(0, o.code(), o.err());
        JsonNode m = json(out);
        assertEquals(1.0 / 3, m.get("mAP").asDouble(), 1e-12);
        assertArrayEquals(new double[] {0, 0, 1, 1, 1}, cmc(m), 1e-12);
        assertEquals("clothes-changing", m.get("protocol").asText());
    }

    @Test
    void embeddingsAndRerankingGoThroughTheEngine() throws IOException {
        SplittableRandom rnd = new SplittableRandom(9);
        int nq = 12;
        int ng = 40;
        int dim = 8;
        float[] qf = new float[nq * dim];
        float[] gf = new float[ng * dim];
        int[] qp = new int[nq];
        int[] qc = new int[nq];
        int[] gp = new int[ng];
        int[] gc = new int[ng];
        float[][] centers = new float[6][dim];
        for (float[] c : centers) for (int k = 0; k < dim; k++) c[k] = (float) rnd.nextGaussian();
        StringBuilder qcsv = new StringBuilder("pid,camid\n");
        StringBuilder gcsv = new StringBuilder("pid,camid\n");
        for (int i = 0; i < nq + ng; i++) {
            int p = rnd.nextInt(6);
            int c = rnd.nextInt(3);
            float[] dst = i < nq ? qf : gf;
            int row = i < nq ? i : i - nq;
            for (int k = 0; k < dim; k++) dst[row * dim + k] = centers[p][k] + (float) (0.6 * rnd.nextGaussian());
            if (i < nq) {
                qp[i] = p;
                qc[i] = c;
                qcsv.append(p).append(',').append(c).append('\n');
            } else {
                gp[row] = p;
                gc[row] = c;
                gcsv.append(p).append(',').append(c).append('\n');
            }
        }
        String q = file("Q.csv", qcsv.toString());
        String g = file("G.csv", gcsv.toString());
        Labels ql = Labels.of("q", qp, qc);
        Labels gl = Labels.of("g", gp, gc);
        Embeddings eq = Embeddings.of("q", qf, nq, dim);
        Embeddings eg = Embeddings.of("g", gf, ng, dim);
        RankingOptions opts = RankingOptions.standard();

        // embeddings, euclidean: the same numbers as the core API on the same matrix
        String qfile = npy("Qf.npy", qf, nq, dim);
        String gfile = npy("Gf.npy", gf, ng, dim);
        String out = tmp.resolve("f.json").toString();
        JobRun o = run("--query-features", qfile, "--gallery-features", gfile, "--metric", "euclidean",
                "--query", q, "--gallery", g, "--output", out);
        assertEquals(0, o.code(), o.err());
        float[] qgE = new DistanceBlocks(eq, eg, Metric.EUCLIDEAN).matrix();
        RankingMetrics want = Evaluator.fromDistances(qgE, ql, gl, opts);
        assertEquals(want.mAP(), json(out).get("mAP").asDouble(), 1e-12);
        assertArrayEquals(want.cmc(), cmc(json(out)), 1e-12);

        // re-ranking given matrices, k1 5: the written final matrix is the engine's, the metrics are its metrics
        float[] qq = DistanceBlocks.self(eq, Metric.EUCLIDEAN).matrix();
        float[] gg = DistanceBlocks.self(eg, Metric.EUCLIDEAN).matrix();
        String d = npy("D.npy", qgE, nq, ng);
        String qqf = npy("QQ.npy", qq, nq, nq);
        String ggf = npy("GG.npy", gg, ng, ng);
        String fin = tmp.resolve("final.npy").toString();
        String rout = tmp.resolve("r.json").toString();
        o = run("--distmat", d, "--qq", qqf, "--gg", ggf, "--rerank", "--k1", "5", "--k2", "3", "--lambda", "0.2",
                "--rerank-output", fin, "--query", q, "--gallery", g, "--output", rout);
        assertEquals(0, o.code(), o.err());
        float[] expected = new KReciprocalReranker(new KReciprocalReranker.Params(5, 3, 0.2), 1, 1 << 20, 0)
                .rerank(MatrixDistances.of(qgE, qq, gg, nq, ng));
        float[] written;
        try (InputStream in = Files.newInputStream(Path.of(fin))) {
            written = NpyReader.open(in, fin).readAllFloats();
        }
        assertArrayEquals(expected, written, 0f);
        RankingMetrics reranked = Evaluator.fromDistances(expected, ql, gl, opts);
        assertEquals(reranked.mAP(), json(rout).get("mAP").asDouble(), 1e-12);
        assertEquals(5, json(rout).get("source").get("rerank").get("k1").asInt());

        // re-ranking from embeddings: the engine's result on the same embeddings
        String fout = tmp.resolve("rf.json").toString();
        o = run("--query-features", qfile, "--gallery-features", gfile, "--metric", "euclidean", "--rerank",
                "--k1", "5", "--k2", "3", "--lambda", "0.2", "--query", q, "--gallery", g, "--output", fout);
        assertEquals(0, o.code(), o.err());
        float[] fromEmbeddings = new KReciprocalReranker(new KReciprocalReranker.Params(5, 3, 0.2), 1, 64L << 20, 1L << 30)
                .rerank(new FeatureDistances(eq, eg, Metric.EUCLIDEAN, 1));
        assertEquals(Evaluator.fromDistances(fromEmbeddings, ql, gl, opts).mAP(), json(fout).get("mAP").asDouble(), 1e-12);
    }

    @Test
    void badInputGivesClearErrors() throws IOException {
        String q = file("Q.csv", "pid,camid\n1,0\n2,0\n");
        String g = file("G.csv", "pid,camid\n1,1\n2,1\n3,1\n");
        String d = npy("D.npy", new double[] {.1, .2, .3, .4, .5, .6}, 2, 3);
        String out = tmp.resolve("m.json").toString();

        JobRun notNpy = run("--distmat", q, "--query", q, "--gallery", g, "--output", out);
        assertEquals(1, notNpy.code());
        assertTrue(notNpy.err().contains("Q.csv: not a .npy file"), notNpy.err());

        String badCsv = file("bad.csv", "pid,cam\n1,0\n2,0\n");
        JobRun missingColumn = run("--distmat", d, "--query", badCsv, "--gallery", g, "--output", out);
        assertTrue(missingColumn.err().contains("bad.csv") && missingColumn.err().contains("camid"), missingColumn.err());

        String g2 = file("G2.csv", "pid,camid\n1,1\n2,1\n");
        JobRun shape = run("--distmat", d, "--query", q, "--gallery", g2, "--output", out);
        assertTrue(shape.err().contains("D.npy is 2 x 3") && shape.err().contains("G2.csv lists 2"), shape.err());

        String nan = npy("N.npy", new double[] {.1, .2, .3, .4, Double.NaN, .6}, 2, 3);
        JobRun nanOut = run("--distmat", nan, "--query", q, "--gallery", g, "--output", out);
        assertTrue(nanOut.err().contains("N.npy") && nanOut.err().contains("NaN"), nanOut.err());

        String sameCam = file("G3.csv", "pid,camid\n1,0\n2,0\n3,0\n");
        JobRun invalid = run("--distmat", d, "--query", q, "--gallery", sameCam, "--output", out);
        assertTrue(invalid.err().contains("no valid query") && invalid.err().contains("camera"), invalid.err());

        JobRun missing = run("--distmat", tmp.resolve("nope.npy").toString(), "--query", q, "--gallery", g, "--output", out);
        assertTrue(missing.err().contains("nope.npy: file not found"), missing.err());

        JobRun noOutput = run("--distmat", d, "--query", q, "--gallery", g);
        assertEquals(2, noOutput.code());
        assertTrue(noOutput.err().contains("--output"), noOutput.err());

        JobRun both = run("--query", q, "--gallery", g, "--output", out);
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--distmat"), both.err());

        JobRun noGg = run("--distmat", d, "--rerank", "--query", q, "--gallery", g, "--output", out);
        assertTrue(noGg.err().contains("--qq") && noGg.err().contains("--gg"), noGg.err());

        JobRun badProtocol = run("--distmat", d, "--protocol", "market", "--query", q, "--gallery", g, "--output", out);
        assertEquals(2, badProtocol.code());
        assertTrue(badProtocol.err().contains("reid.eval.protocol"), badProtocol.err());
        assertFalse(Files.exists(Path.of(out)), "no metrics.json after failures");
    }

    @Test
    void helpListsTheOptions() {
        JobRun o = run("--help");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("--distmat D.npy") && o.out().contains("--rerank ") && o.out().contains("[reid.eval.rerank.k1]"), o.out());
        assertTrue(Main.usage().contains("eval-distmat"));
        assertEquals(Protocol.STANDARD, Protocol.byName("standard"));
    }
}
