package org.reidspark.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankingEvaluatorTest {
    private static final double EPS = 1e-12;

    private static RankingMetrics run(double[][] d, Labels q, Labels g, RankingOptions o) {
        RankingEvaluator ev = new RankingEvaluator(q, g, o, "test matrix");
        double[] flat = flatten(d);
        ev.accept(0, q.size(), flat, 0);
        return ev.result();
    }

    private static double[] flatten(double[][] d) {
        int ng = d[0].length;
        double[] flat = new double[d.length * ng];
        for (int i = 0; i < d.length; i++) System.arraycopy(d[i], 0, flat, i * ng, ng);
        return flat;
    }

    private static RankingOptions opts(Protocol p) {
        return new RankingOptions(p, 50, 10, 7, 1);
    }

    // ---- hand-checked cases --------------------------------------------------------------------------------

    /**
     * Gallery (index: pid, camid): g0 (1,0), g1 (2,1), g2 (1,1), g3 (3,0), g4 (1,2), g5 (0,1) -- g5 a distractor.
     * <p>Query 0 = (pid 1, cam 0), distances .1 .2 .3 .4 .5 .05. Sorted: g5 .05, g0 .1, g1 .2, g2 .3, g3 .4, g4 .5;
     * g0 is junk (same pid, same camera) and goes; the list g5 g1 g2 g3 g4 has true matches g2, g4 at ranks 3 and 5:
     * AP = (1/3 + 2/5) / 2 = 11/30, INP = 2/5, first hit at rank 3.
     * <p>Query 1 = (pid 2, cam 1): its only gallery image g1 has the same camera: junk, so the query is skipped.
     * <p>Query 2 = (pid 3, cam 1): g3 (cam 0) is a true match and the nearest (.1): AP = INP = 1, first hit 1.
     * <p>Two valid queries: mAP = (11/30 + 1) / 2 = 41/60, mINP = (0.4 + 1) / 2 = 0.7,
     * CMC (6 = gallery size long) = [1/2, 1/2, 1, 1, 1, 1].
     */
    @Test
    void standardHandChecked() {
        Labels g = Labels.of("G", new int[] {1, 2, 1, 3, 1, 0}, new int[] {0, 1, 1, 0, 2, 1});
        Labels q = Labels.of("Q", new int[] {1, 2, 3}, new int[] {0, 1, 1});
        double[][] d = {
                {.1, .2, .3, .4, .5, .05},
                {.3, .1, .2, .4, .5, .6},
                {.9, .8, .7, .1, .6, .5}};
        RankingMetrics m = run(d, q, g, opts(Protocol.STANDARD));
        assertEquals(2, m.validQueries());
        assertEquals(3, m.queries());
        assertEquals(41.0 / 60, m.mAP(), EPS);
        assertEquals(0.7, m.mINP(), EPS);
        assertArrayEquals(new double[] {.5, .5, 1, 1, 1, 1}, m.cmc(), EPS);
    }

    /**
     * Ties go by ascending gallery index. Query (pid 1, cam 0); gallery g0 (2,1) .5, g1 (1,1) .5, g2 (3,1) .5,
     * g3 (1,2) .2. Order: g3, then the tied g0, g1, g2 in index order: true matches at ranks 1 and 3,
     * AP = (1 + 2/3) / 2 = 5/6, INP = 2/3. (Had g1 come before g0: ranks 1, 2 and AP 1.)
     * <p>Swapping the labels of g0 and g1 puts the true match first among the tied: ranks 1, 2, AP = 1, INP = 1.
     */
    @Test
    void tiesAreBrokenByGalleryIndex() {
        Labels q = Labels.of("Q", new int[] {1}, new int[] {0});
        double[][] d = {{.5, .5, .5, .2}};
        RankingMetrics m = run(d, q, Labels.of("G", new int[] {2, 1, 3, 1}, new int[] {1, 1, 1, 2}), opts(Protocol.STANDARD));
        assertEquals(5.0 / 6, m.mAP(), EPS);
        assertEquals(2.0 / 3, m.mINP(), EPS);
        RankingMetrics swapped = run(d, q, Labels.of("G", new int[] {1, 2, 3, 1}, new int[] {1, 1, 1, 2}), opts(Protocol.STANDARD));
        assertEquals(1.0, swapped.mAP(), EPS);
        assertEquals(1.0, swapped.mINP(), EPS);
    }

    /**
     * Query (pid 1, cam 0, clothes 5). Gallery (pid, cam, clothes, distance):
     * g0 (1,1,5) .1, g1 (2,1,9) .2, g2 (1,0,6) .3, g3 (1,2,6) .4, g4 (3,2,5) .35.
     * <ul>
     * <li>clothes-changing: g0 junk (same clothes), g2 junk (same camera), g3 the true match. List g1 .2, g4 .35,
     *     g3 .4: rank 3, AP = INP = 1/3, CMC (5 long) = [0, 0, 1, 1, 1].</li>
     * <li>same-clothes: g0 the true match, g2 junk (camera), g3 junk (other clothes). List g0, g1, g4: rank 1,
     *     AP = INP = 1.</li>
     * <li>standard: g0 and g3 true matches, g2 junk. List g0 .1, g1 .2, g4 .35, g3 .4: ranks 1 and 4,
     *     AP = (1 + 2/4) / 2 = 0.75, INP = 2/4.</li>
     * </ul>
     */
    @Test
    void clothesProtocolsHandChecked() {
        Labels q = Labels.of("Q", new int[] {1}, new int[] {0}, new int[] {5});
        Labels g = Labels.of("G", new int[] {1, 2, 1, 1, 3}, new int[] {1, 1, 0, 2, 2}, new int[] {5, 9, 6, 6, 5});
        double[][] d = {{.1, .2, .3, .4, .35}};
        RankingMetrics cc = run(d, q, g, opts(Protocol.CLOTHES_CHANGING));
        assertEquals(1.0 / 3, cc.mAP(), EPS);
        assertEquals(1.0 / 3, cc.mINP(), EPS);
        assertArrayEquals(new double[] {0, 0, 1, 1, 1}, cc.cmc(), EPS);
        RankingMetrics sc = run(d, q, g, opts(Protocol.SAME_CLOTHES));
        assertEquals(1.0, sc.mAP(), EPS);
        assertEquals(1.0, sc.rank(1), EPS);
        RankingMetrics st = run(d, q, g, opts(Protocol.STANDARD));
        assertEquals(0.75, st.mAP(), EPS);
        assertEquals(0.5, st.mINP(), EPS);
    }

    /**
     * Single-gallery-shot. Query (pid 1, cam 0); gallery g0 (1,1) .3 the only true match, g1 (2,1) .1,
     * g2 (2,1) .5, g3 (3,1) .2. Every draw keeps g0 and g3 (ahead of g0); pid 2 gives g1 (ahead) or g2 (behind)
     * with probability 1/2 each, so the match lands at rank 2 or 3 equally often: expected CMC = [0, 1/2, 1, 1].
     * With 4000 draws the estimate of 1/2 has standard deviation sqrt(.25/4000) = 0.0079; the test allows 5 of
     * them. mAP uses the whole list g1, g3, g0, g2: rank 3, AP = INP = 1/3.
     */
    @Test
    void singleGalleryShotConvergesToItsExpectation() {
        Labels q = Labels.of("Q", new int[] {1}, new int[] {0});
        Labels g = Labels.of("G", new int[] {1, 2, 2, 3}, new int[] {1, 1, 1, 1});
        double[][] d = {{.3, .1, .5, .2}};
        RankingMetrics m = run(d, q, g, new RankingOptions(Protocol.SINGLE_GALLERY_SHOT, 50, 4000, 11, 1));
        assertEquals(0.0, m.rank(1), EPS);
        assertEquals(0.5, m.rank(2), 5 * Math.sqrt(0.25 / 4000));
        assertEquals(1.0, m.rank(3), EPS);
        assertEquals(1.0 / 3, m.mAP(), EPS);
        assertEquals(1.0 / 3, m.mINP(), EPS);
        RankingMetrics again = run(d, q, g, new RankingOptions(Protocol.SINGLE_GALLERY_SHOT, 50, 4000, 11, 1));
        assertArrayEquals(m.cmc(), again.cmc(), 0.0, "same seed, same draws");
    }

    /** max rank above the gallery size is capped; the CMC of a valid query reaches 1 after its first hit. */
    @Test
    void maxRankIsCappedAtGallerySize() {
        Labels q = Labels.of("Q", new int[] {1}, new int[] {0});
        Labels g = Labels.of("G", new int[] {1, 1, 2}, new int[] {0, 1, 1});
        // g0 junk; list g2 .1, g1 .2 -> first hit rank 2; the list is 2 long, the CMC 3 long.
        RankingMetrics m = run(new double[][] {{.0, .2, .1}}, q, g, opts(Protocol.STANDARD).withMaxRank(100));
        assertArrayEquals(new double[] {0, 1, 1}, m.cmc(), EPS);
        RankingMetrics two = run(new double[][] {{.0, .2, .1}}, q, g, opts(Protocol.STANDARD).withMaxRank(2));
        assertEquals(2, two.cmc().length);
    }

    // ---- against the slow reference --------------------------------------------------------------------------

    /** Random cases with ties, distractors (pid 0, -1), invalid queries and clothes ids, every protocol. */
    @Test
    void agreesWithSlowReferenceOnRandomCases() {
        SplittableRandom rnd = new SplittableRandom(20240601);
        int checked = 0;
        for (int trial = 0; trial < 120; trial++) {
            int nq = 1 + rnd.nextInt(25);
            int ng = 1 + rnd.nextInt(60);
            int pids = 1 + rnd.nextInt(8);
            int cams = 1 + rnd.nextInt(3);
            int clothes = 1 + rnd.nextInt(3);
            Labels q = labels("Q", nq, pids + 2, cams, clothes, rnd, false);
            Labels g = labels("G", ng, pids, cams, clothes, rnd, true);
            boolean tied = rnd.nextBoolean();
            double[][] d = new double[nq][ng];
            for (double[] row : d) {
                for (int j = 0; j < ng; j++) {
                    // quantized distances make ties common; float-representable so both paths see the same values
                    row[j] = tied ? rnd.nextInt(6) * 0.25 : (float) rnd.nextDouble();
                }
            }
            Protocol protocol = Protocol.values()[trial % 4];
            int maxRank = 1 + rnd.nextInt(ng + 5);
            int repeats = 1 + rnd.nextInt(4);
            long seed = rnd.nextLong();
            SlowRanking.Result want = SlowRanking.evaluate(d, q, g, protocol, maxRank, repeats, seed);
            RankingOptions o = new RankingOptions(protocol, maxRank, repeats, seed, 1 + rnd.nextInt(3));
            if (want.valid() == 0) {
                assertThrows(IllegalArgumentException.class, () -> run(d, q, g, o));
                continue;
            }
            checked++;
            // double path in one block, float path in random blocks
            RankingMetrics got = run(d, q, g, o);
            assertMatches(want, got, "trial " + trial);
            RankingEvaluator ev = new RankingEvaluator(q, g, o, "blocks");
            for (int r0 = 0; r0 < nq; ) {
                int n = Math.min(nq - r0, 1 + rnd.nextInt(5));
                float[] block = new float[n * ng + 3];
                for (int i = 0; i < n; i++) for (int j = 0; j < ng; j++) block[3 + i * ng + j] = (float) d[r0 + i][j];
                ev.accept(r0, n, block, 3);
                r0 += n;
            }
            assertMatches(want, ev.result(), "trial " + trial + " (float blocks)");
        }
        assertTrue(checked > 60, "most random cases should have valid queries, got " + checked);
    }

    private static void assertMatches(SlowRanking.Result want, RankingMetrics got, String what) {
        assertEquals(want.valid(), got.validQueries(), what + ": valid queries");
        assertArrayEquals(want.cmc(), got.cmc(), 1e-9, what + ": CMC");
        assertEquals(want.mAP(), got.mAP(), 1e-9, what + ": mAP");
        assertEquals(want.mINP(), got.mINP(), 1e-9, what + ": mINP");
    }

    private static Labels labels(String name, int n, int pids, int cams, int clothes, SplittableRandom rnd, boolean distractors) {
        int[] p = new int[n];
        int[] c = new int[n];
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = 1 + rnd.nextInt(pids);
            if (distractors && rnd.nextInt(8) == 0) p[i] = rnd.nextBoolean() ? 0 : -1;
            c[i] = rnd.nextInt(cams);
            k[i] = rnd.nextInt(clothes);
        }
        return Labels.of(name, p, c, k);
    }

    /** Large true-match groups take the merge-sort path; still equal to the reference. */
    @Test
    void largeMatchGroupsAgreeWithSlowReference() {
        SplittableRandom rnd = new SplittableRandom(5);
        int nq = 6;
        int ng = 400;
        int[] gp = new int[ng];
        int[] gc = new int[ng];
        for (int j = 0; j < ng; j++) {
            gp[j] = j < 300 ? 1 : 2 + rnd.nextInt(5);
            gc[j] = rnd.nextInt(4);
        }
        Labels g = Labels.of("G", gp, gc);
        Labels q = Labels.of("Q", new int[] {1, 1, 2, 3, 1, 4}, new int[] {0, 1, 2, 3, 0, 1});
        double[][] d = new double[nq][ng];
        for (double[] row : d) for (int j = 0; j < ng; j++) row[j] = rnd.nextInt(50) / 8.0;
        SlowRanking.Result want = SlowRanking.evaluate(d, q, g, Protocol.STANDARD, 50, 1, 0);
        assertMatches(want, run(d, q, g, opts(Protocol.STANDARD)), "large groups");
    }

    /**
     * Rows where most items lie before the last true match (a poor model) switch to the bin table; ties, equal
     * true-match distances, infinities and extreme values included. Still equal to the reference.
     */
    @Test
    void hardRowsAgreeWithSlowReference() {
        SplittableRandom rnd = new SplittableRandom(77);
        for (int trial = 0; trial < 6; trial++) {
            int nq = 8;
            int ng = 1500;
            int[] gp = new int[ng];
            int[] gc = new int[ng];
            for (int j = 0; j < ng; j++) {
                gp[j] = rnd.nextInt(4 + trial * 20);
                gc[j] = rnd.nextInt(3);
            }
            int[] qp = new int[nq];
            int[] qc = new int[nq];
            for (int i = 0; i < nq; i++) {
                qp[i] = rnd.nextInt(4 + trial * 20);
                qc[i] = rnd.nextInt(3);
            }
            Labels q = Labels.of("Q", qp, qc);
            Labels g = Labels.of("G", gp, gc);
            double[][] d = new double[nq][ng];
            for (double[] row : d) {
                for (int j = 0; j < ng; j++) {
                    row[j] = switch (trial % 3) {
                        case 0 -> (float) rnd.nextDouble();
                        case 1 -> rnd.nextInt(40) / 4.0;
                        default -> rnd.nextInt(50) == 0 ? Double.POSITIVE_INFINITY : (float) (rnd.nextGaussian() * 1e6);
                    };
                }
            }
            SlowRanking.Result want = SlowRanking.evaluate(d, q, g, Protocol.STANDARD, 50, 1, 0);
            if (want.valid() == 0) continue;
            assertMatches(want, run(d, q, g, opts(Protocol.STANDARD)), "hard trial " + trial);
            RankingEvaluator ev = new RankingEvaluator(q, g, opts(Protocol.STANDARD), "float");
            float[] f = new float[nq * ng];
            for (int i = 0; i < nq; i++) for (int j = 0; j < ng; j++) f[i * ng + j] = (float) d[i][j];
            ev.accept(0, nq, f, 0);
            assertMatches(want, ev.result(), "hard trial " + trial + " (float)");
        }
    }

    // ---- bad input -------------------------------------------------------------------------------------------

    @Test
    void nanDistanceIsAnErrorNamingRowAndColumn() {
        Labels q = Labels.of("Q.csv", new int[] {1, 2}, new int[] {0, 0});
        Labels g = Labels.of("G.csv", new int[] {1, 2, 3}, new int[] {1, 1, 1});
        for (double[][] d : new double[][][] {
                {{.1, .2, .3}, {.4, .5, Double.NaN}},   // NaN far behind the true match
                {{.1, .2, .3}, {.4, Double.NaN, .5}},   // NaN at the true match
                {{Double.NaN, .2, .3}, {.4, .5, .6}}}) {
            RankingEvaluator ev = new RankingEvaluator(q, g, opts(Protocol.STANDARD), "distance matrix D.npy");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ev.accept(0, 2, flatten(d), 0));
            assertTrue(e.getMessage().contains("D.npy") && e.getMessage().contains("NaN"), e.getMessage());
        }
        // an invalid query's row is checked too
        Labels qInvalid = Labels.of("Q.csv", new int[] {9}, new int[] {0});
        RankingEvaluator ev = new RankingEvaluator(qInvalid, g, opts(Protocol.STANDARD), "D.npy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ev.accept(0, 1, new float[] {.1f, Float.NaN, .2f}, 0));
        assertTrue(e.getMessage().contains("query row 0, gallery column 1"), e.getMessage());
    }

    @Test
    void noValidQueryIsAnErrorThatExplainsTheCameraRule() {
        // custom data without camera ids: everything camera 0, so every match is removed as junk
        Labels q = Labels.of("Q.csv", new int[] {1, 2}, new int[] {0, 0});
        Labels g = Labels.of("G.csv", new int[] {1, 2, 3}, new int[] {0, 0, 0});
        RankingEvaluator ev = new RankingEvaluator(q, g, opts(Protocol.STANDARD), "D.npy");
        ev.accept(0, 2, new float[] {.1f, .2f, .3f, .4f, .5f, .6f}, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ev::result);
        assertTrue(e.getMessage().contains("no valid query") && e.getMessage().contains("Q.csv")
                && e.getMessage().contains("G.csv") && e.getMessage().contains("camera"), e.getMessage());
    }

    @Test
    void shapeAndProtocolMismatchesAreErrors() {
        Labels q = Labels.of("Q.csv", new int[] {1, 2}, new int[] {0, 0});
        Labels g = Labels.of("G.csv", new int[] {1, 2, 3}, new int[] {1, 1, 1});
        RankingEvaluator ev = new RankingEvaluator(q, g, opts(Protocol.STANDARD), "distance matrix D.npy");
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> ev.checkShape(3, 3));
        assertTrue(shape.getMessage().contains("D.npy is 3 x 3") && shape.getMessage().contains("Q.csv lists 2"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ev.accept(0, 2, new float[5], 0), "block too small");
        ev.accept(0, 1, new float[] {.1f, .2f, .3f}, 0);
        assertThrows(IllegalStateException.class, ev::result, "row 1 missing");
        assertThrows(IllegalArgumentException.class, () -> ev.accept(0, 1, new float[3], 0), "row 0 twice");
        IllegalArgumentException clothes = assertThrows(IllegalArgumentException.class,
                () -> new RankingEvaluator(q, g, opts(Protocol.CLOTHES_CHANGING), "D"));
        assertTrue(clothes.getMessage().contains("clothes") && clothes.getMessage().contains("Q.csv"), clothes.getMessage());
    }
}
