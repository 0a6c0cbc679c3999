package org.reidspark.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistanceBlocksTest {
    private static float[][] random(SplittableRandom rnd, int n, int d) {
        float[][] m = new float[n][d];
        for (float[] row : m) for (int k = 0; k < d; k++) row[k] = (float) rnd.nextGaussian();
        return m;
    }

    /** The definitions, in double precision, one pair at a time. */
    static double expected(float[] a, float[] b, Metric metric) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += (double) a[k] * b[k];
            na += (double) a[k] * a[k];
            nb += (double) b[k] * b[k];
        }
        if (metric == Metric.COSINE) return 1 - dot / (Math.max(Math.sqrt(na), 1e-12) * Math.max(Math.sqrt(nb), 1e-12));
        return Math.sqrt(Math.max(0, na + nb - 2 * dot));
    }

    @Test
    void tilesBlocksAndPairsMatchTheDefinitions() throws java.io.IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        float[][] q = random(rnd, 37, 19);
        float[][] g = random(rnd, 53, 19);
        g[5] = new float[19];  // a zero vector: cosine distance 1 to everything, as torch's normalize gives
        for (Metric metric : Metric.values()) {
            DistanceBlocks b = new DistanceBlocks(Embeddings.of("q", q), Embeddings.of("g", g), metric);
            float[] all = b.matrix();
            for (int i = 0; i < 37; i++) {
                for (int j = 0; j < 53; j++) {
                    assertEquals(expected(q[i], g[j], metric), all[i * 53 + j], 2e-5, metric + " " + i + "," + j);
                    assertEquals(all[i * 53 + j], b.pair(i, j), 2e-5);
                }
            }
            // an odd tile equals the same part of the whole matrix
            float[] tile = new float[5 + 7 * 11];
            b.tile(30, 7, 40, 11, tile, 5);
            for (int i = 0; i < 7; i++) {
                for (int j = 0; j < 11; j++) assertEquals(all[(30 + i) * 53 + 40 + j], tile[5 + i * 11 + j], 1e-6);
            }
            // row blocks of 3 rows (3 * 53 * 4 bytes) cover every row once
            float[] blocks = new float[37 * 53];
            int[] calls = {0};
            b.forEachRowBlock(3L * 53 * 4, (r0, n, data) -> {
                calls[0]++;
                System.arraycopy(data, 0, blocks, r0 * 53, n * 53);
            });
            assertEquals(13, calls[0]);
            assertArrayEquals(all, blocks, 1e-6f);
        }
    }

    @Test
    void mismatchedDimensionsAreAnError() {
        SplittableRandom rnd = new SplittableRandom(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistanceBlocks(
                Embeddings.of("Qf.npy", random(rnd, 3, 8)), Embeddings.of("Gf.npy", random(rnd, 4, 9)), Metric.COSINE));
        assertTrue(e.getMessage().contains("Qf.npy has 8") && e.getMessage().contains("Gf.npy has 9"), e.getMessage());
    }

    @Test
    void evaluatorFromEmbeddingsEqualsMetricsOfTheMatrix() {
        SplittableRandom rnd = new SplittableRandom(3);
        int nq = 30;
        int ng = 90;
        float[][] centers = random(rnd, 12, 24);
        float[][] q = new float[nq][24];
        float[][] g = new float[ng][24];
        int[] qp = new int[nq];
        int[] qc = new int[nq];
        int[] gp = new int[ng];
        int[] gc = new int[ng];
        for (int i = 0; i < nq + ng; i++) {
            int p = rnd.nextInt(12);
            float[] row = i < nq ? q[i] : g[i - nq];
            for (int k = 0; k < 24; k++) row[k] = centers[p][k] + (float) (0.8 * rnd.nextGaussian());
            if (i < nq) {
                qp[i] = p;
                qc[i] = rnd.nextInt(3);
            } else {
                gp[i - nq] = p;
                gc[i - nq] = rnd.nextInt(3);
            }
        }
        Labels ql = Labels.of("q", qp, qc);
        Labels gl = Labels.of("g", gp, gc);
        com.typesafe.config.Config c = org.reidspark.config.ConfigLoader.load(java.util.List.of("reid.eval.block-mb=1"));
        EvalConfig cfg = EvalConfig.from(c);
        RankingMetrics viaBlocks = Evaluator.evaluate(q, g, ql, gl, cfg);
        float[] d = new DistanceBlocks(Embeddings.of("q", q), Embeddings.of("g", g), Metric.COSINE).matrix();
        RankingMetrics viaMatrix = Evaluator.fromDistances(d, ql, gl, cfg.rankingOptions());
        assertArrayEquals(viaMatrix.cmc(), viaBlocks.cmc(), 0.0);
        assertEquals(viaMatrix.mAP(), viaBlocks.mAP(), 0.0);
        assertTrue(viaBlocks.mAP() > 0.3, "clustered data should rank well above chance: " + viaBlocks);
        RankingMetrics shortForm = Evaluator.evaluate(q, g, qp, qc, gp, gc, Protocol.STANDARD);
        assertEquals(viaMatrix.mAP(), shortForm.mAP(), 0.0);
    }
}
