package org.reidspark.eval.rerank;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Metric;
import org.reidspark.io.NpyWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KReciprocalRerankerTest {
    @TempDir
    Path tmp;

    /** Distances among points, split into query x gallery, query x query, gallery x gallery (exactly symmetric). */
    private record Given(float[][] qg, float[][] qq, float[][] gg) {
        int nq() {
            return qq.length;
        }

        int ng() {
            return gg.length;
        }

        MatrixDistances source() {
            return MatrixDistances.of(flat(qg), flat(qq), flat(gg), nq(), ng());
        }
    }

    private static Given given(double[][] points, int nq) {
        int n = points.length;
        float[][] d = new float[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < points[i].length; k++) s += (points[i][k] - points[j][k]) * (points[i][k] - points[j][k]);
                d[i][j] = (float) Math.sqrt(s);
            }
        }
        int ng = n - nq;
        float[][] qg = new float[nq][ng];
        float[][] qq = new float[nq][nq];
        float[][] gg = new float[ng][ng];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i < nq && j < nq) qq[i][j] = d[i][j];
                else if (i < nq) qg[i][j - nq] = d[i][j];
                else if (j >= nq) gg[i - nq][j - nq] = d[i][j];
            }
        }
        return new Given(qg, qq, gg);
    }

    private static double[][] points(SplittableRandom rnd, int n, int dim, int clusters) {
        double[][] centers = new double[clusters][dim];
        for (double[] c : centers) for (int k = 0; k < dim; k++) c[k] = rnd.nextGaussian() * 2;
        double[][] p = new double[n][dim];
        for (int i = 0; i < n; i++) {
            double[] c = centers[rnd.nextInt(clusters)];
            for (int k = 0; k < dim; k++) p[i][k] = c[k] + rnd.nextGaussian();
        }
        return p;
    }

    private static float[] flat(float[][] m) {
        int c = m[0].length;
        float[] f = new float[m.length * c];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, f, i * c, c);
        return f;
    }

    private static void assertClose(double[][] want, float[] got, double tol, String what) {
        int ng = want[0].length;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            for (int g = 0; g < ng; g++) worst = Math.max(worst, Math.abs(want[i][g] - got[i * ng + g]));
        }
        assertTrue(worst <= tol, what + ": largest difference " + worst);
    }

    /**
     * Four points on a line at 0, 1, 3, 4; the first is the query. Squared distances: 0-1: 1, 0-2: 9, 0-3: 16,
     * 1-2: 4, 1-3: 9, 2-3: 1; row maxima 16, 9, 9, 16, so v = d^2 / max:
     * row 0 [0, 1/16, 9/16, 1], row 1 [1/9, 0, 4/9, 1], row 2 [1, 4/9, 0, 1/9], row 3 [1, 9/16, 1/16, 0].
     * k1 = 1: two neighbours each: N(0) = {0,1}, N(1) = {1,0}, N(2) = {2,3}, N(3) = {3,2}, all reciprocal, so
     * R(0) = R(1) = {0,1} and R(2) = R(3) = {2,3}; h = round(1/2) = 0 adds nothing new.
     * V[0] = (1, e^-1/16)/(1 + e^-1/16) = (.515620, .484380); V[1] = (e^-1/9, 1)/(1 + e^-1/9) = (.472251, .527749);
     * V[2], V[3] live on items 2, 3 only. k2 = 1: no query expansion.
     * Query 0 against item 1: s = min(.515620, .472251) + min(.484380, .527749) = .956631,
     * jaccard = 1 - s/(2 - s) = .083133; against items 2 and 3: s = 0, jaccard = 1.
     * lambda 0.3: final = 0.7 jaccard + 0.3 v(0, g) = [0.076943, 0.86875, 1.0]; lambda 0: [0.083133, 1, 1].
     */
    @Test
    void handCheckedLine() throws IOException {
        Given g = given(new double[][] {{0}, {1}, {3}, {4}}, 1);
        float[] f = new KReciprocalReranker(new KReciprocalReranker.Params(1, 1, 0.3), 1, 1 << 20, 0).rerank(g.source());
        assertArrayEquals(new float[] {0.076943f, 0.86875f, 1.0f}, f, 2e-6f);
        float[] f0 = new KReciprocalReranker(new KReciprocalReranker.Params(1, 1, 0.0), 1, 1 << 20, 0).rerank(g.source());
        assertArrayEquals(new float[] {0.083133f, 1f, 1f}, f0, 2e-6f);
    }

    @Test
    void agreesWithDenseReferenceOnRandomCases() throws IOException {
        SplittableRandom rnd = new SplittableRandom(17);
        int[][] cases = {
                // nq, ng, dim, clusters, k1, k2, lambda*10
                {20, 70, 6, 8, 20, 6, 3},
                {7, 30, 3, 5, 5, 1, 5},
                {3, 8, 2, 2, 20, 6, 3},
                {12, 40, 4, 6, 3, 3, 0},
                {15, 50, 5, 4, 7, 10, 10}};
        for (int[] c : cases) {
            Given g = given(points(rnd, c[0] + c[1], c[2], c[3]), c[0]);
            KReciprocalReranker.Params p = new KReciprocalReranker.Params(c[4], c[5], c[6] / 10.0);
            double[][] want = SlowRerank.rerank(g.qg(), g.qq(), g.gg(), p.k1(), p.k2(), p.lambda());
            int n = c[0] + c[1];
            for (int threads = 1; threads <= 3; threads += 2) {
                long tile = 4L * n * (1 + rnd.nextInt(5));  // a few rows per tile
                float[] got = new KReciprocalReranker(p, threads, tile, 0).rerank(g.source());
                assertClose(want, got, 1e-5, java.util.Arrays.toString(c) + " threads " + threads);
            }
        }
    }

    /** Duplicated points tie exactly at the neighbour boundary: those rows are redone from whole rows. */
    @Test
    void exactTiesAtTheBoundaryAreResolvedByIndex() throws IOException {
        SplittableRandom rnd = new SplittableRandom(3);
        double[][] base = points(rnd, 6, 3, 3);
        double[][] p = new double[60][];
        for (int i = 0; i < p.length; i++) p[i] = base[rnd.nextInt(base.length)].clone();
        Given g = given(p, 10);
        KReciprocalReranker.Params params = KReciprocalReranker.Params.defaults();
        double[][] want = SlowRerank.rerank(g.qg(), g.qq(), g.gg(), 20, 6, 0.3);
        KReciprocalReranker.Stats[] stats = new KReciprocalReranker.Stats[1];
        float[] got = new float[10 * 50];
        stats[0] = new KReciprocalReranker(params, 2, 4L * 60 * 7, 0).rerank(g.source(),
                (q0, n, data) -> System.arraycopy(data, 0, got, q0 * 50, n * 50));
        assertClose(want, got, 1e-5, "duplicates");
        assertTrue(stats[0].rowsRecomputed() > 0, "ties at the boundary must take the exact path: " + stats[0]);
    }

    /** From embeddings (upper-triangle tiles, mirrored) as from the matrices computed from the same embeddings. */
    @Test
    void embeddingsSourceMatchesMatrixSource() throws IOException {
        SplittableRandom rnd = new SplittableRandom(8);
        int nq = 25;
        int ng = 80;
        float[][] q = new float[nq][16];
        float[][] gal = new float[ng][16];
        double[][] centers = points(rnd, 10, 16, 10);
        for (float[][] set : new float[][][] {q, gal}) {
            for (float[] row : set) {
                double[] c = centers[rnd.nextInt(10)];
                for (int k = 0; k < 16; k++) row[k] = (float) (c[k] + 0.7 * rnd.nextGaussian());
            }
        }
        Embeddings eq = Embeddings.of("q", q);
        Embeddings eg = Embeddings.of("g", gal);
        for (Metric metric : Metric.values()) {
            float[] qg = new DistanceBlocks(eq, eg, metric).matrix();
            float[] qq = DistanceBlocks.self(eq, metric).matrix();
            float[] gg = DistanceBlocks.self(eg, metric).matrix();
            KReciprocalReranker r = new KReciprocalReranker(KReciprocalReranker.Params.defaults(), 2, 4L * 13 * 13, 1 << 20);
            float[] fromMatrices = r.rerank(MatrixDistances.of(qg, qq, gg, nq, ng));
            float[] fromEmbeddings = r.rerank(new FeatureDistances(eq, eg, metric, 2));
            assertArrayEquals(fromMatrices, fromEmbeddings, 1e-4f, metric.toString());
            // and without the query x gallery cache (final pass recomputes the query rows)
            float[] uncached = new KReciprocalReranker(KReciprocalReranker.Params.defaults(), 1, 4L * 31 * 31, 0)
                    .rerank(new FeatureDistances(eq, eg, metric, 1));
            assertArrayEquals(fromEmbeddings, uncached, 1e-4f, metric + " uncached");
        }
    }

    @Test
    void galleryRowsStreamedFromANpyFileGiveTheSameResult() throws IOException {
        Given g = given(points(new SplittableRandom(4), 45, 3, 5), 9);
        Path ggFile = tmp.resolve("gg.npy");
        try (OutputStream out = Files.newOutputStream(ggFile)) {
            NpyWriter.writeMatrix(out, "gg.npy", flat(g.gg()), g.ng(), g.ng());
        }
        MatrixDistances streamed = new MatrixDistances(MatrixDistances.squares(flat(g.qg())), MatrixDistances.squares(flat(g.qq())),
                MatrixDistances.streamed("gg.npy", () -> Files.newInputStream(ggFile), g.ng()), g.nq(), g.ng(), "streamed");
        KReciprocalReranker r = new KReciprocalReranker(new KReciprocalReranker.Params(6, 3, 0.3), 2, 4L * 45 * 4, 0);
        assertArrayEquals(r.rerank(g.source()), r.rerank(streamed), 0f);
    }

    @Test
    void badDistancesAreErrors() {
        Given g = given(new double[][] {{0}, {1}, {3}, {4}}, 1);
        float[][] gg = g.gg();
        gg[1][2] = Float.NaN;
        KReciprocalReranker r = new KReciprocalReranker(KReciprocalReranker.Params.defaults(), 1, 1 << 20, 0);
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> r.rerank(new Given(g.qg(), g.qq(), gg).source()));
        assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
        Given zero = given(new double[][] {{0}, {0}, {0}}, 1);
        IllegalArgumentException z = assertThrows(IllegalArgumentException.class, () -> r.rerank(zero.source()));
        assertTrue(z.getMessage().contains("distance 0 from every item"), z.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KReciprocalReranker.Params(0, 6, 0.3));
        assertThrows(IllegalArgumentException.class, () -> new KReciprocalReranker.Params(20, 6, 1.5));
        assertEquals(20, KReciprocalReranker.Params.defaults().k1());
    }
}
