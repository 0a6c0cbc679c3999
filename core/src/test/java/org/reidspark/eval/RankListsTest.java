package org.reidspark.eval;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigLoader;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankListsTest {

    /** The obvious top-k: sort every column of the row by (distance, index), take the first k. */
    private static int[] bruteForce(float[] d, int row, int ng, int k) {
        return IntStream.range(0, ng).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> d[row * ng + j]).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static Labels labels(String source, SplittableRandom rnd, int n, int pids, int cams) {
        int[] p = new int[n];
        int[] c = new int[n];
        int[] cl = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = rnd.nextInt(pids);
            c[i] = rnd.nextInt(cams);
            cl[i] = rnd.nextInt(2);
        }
        return Labels.of(source, p, c, cl);
    }

    @Test
    void equalsBruteForceTopKWithTiesInAnyBlockSplit() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 30; trial++) {
            int nq = 1 + rnd.nextInt(20);
            int ng = 1 + rnd.nextInt(60);
            int k = 1 + rnd.nextInt(ng + 5);
            Labels q = labels("Q", rnd, nq, 6, 3);
            Labels g = labels("G", rnd, ng, 6, 3);
            float[] d = new float[nq * ng];
            // few distinct values: many ties, which must go by ascending gallery index
            for (int i = 0; i < d.length; i++) d[i] = rnd.nextInt(7) / 4f;
            RankLists lists = new RankLists(q, g, Protocol.STANDARD, k, 1 + rnd.nextInt(3));
            for (int r0 = 0; r0 < nq; ) {
                int n = Math.min(nq - r0, 1 + rnd.nextInt(5));
                // each block in its own array at an offset, as a reused buffer would hand it over
                float[] block = new float[3 + n * ng];
                System.arraycopy(d, r0 * ng, block, 3, n * ng);
                lists.accept(r0, n, block, 3);
                r0 += n;
            }
            assertTrue(lists.complete());
            assertEquals(Math.min(k, ng), lists.k());
            for (int i = 0; i < nq; i++) {
                int[] expected = bruteForce(d, i, ng, lists.k());
                assertArrayEquals(expected, lists.indices(i), "trial " + trial + ", query " + i);
                float[] dist = lists.distances(i);
                for (int p = 0; p < expected.length; p++) assertEquals(d[i * ng + expected[p]], dist[p]);
            }
        }
    }

    @Test
    void flagsAndJunkFreeRanksAgreeWithTheMetrics() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (Protocol protocol : Protocol.values()) {
            int nq = 25;
            int ng = 80;
            Labels q = labels("Q", rnd, nq, 5, 3);
            Labels g = labels("G", rnd, ng, 5, 3);
            float[] d = new float[nq * ng];
            for (int i = 0; i < d.length; i++) d[i] = rnd.nextInt(50) / 10f;
            RankLists lists = new RankLists(q, g, protocol, ng, 2);
            lists.accept(0, nq, d, 0);
            RankingEvaluator ev = new RankingEvaluator(q, g, new RankingOptions(protocol, 50, 3, 1, 1), "test");
            ev.accept(0, nq, d, 0);
            RankingMetrics m = ev.result();
            int firstHits = 0;
            for (int i = 0; i < nq; i++) {
                List<RankLists.Entry> list = lists.entries(i);
                int rank = 0;
                int first = 0;
                for (RankLists.Entry e : list) {
                    int j = e.galleryIndex();
                    boolean samePid = q.pids()[i] == g.pids()[j];
                    assertEquals(samePid && !e.match(), e.junk(), protocol + " junk flag");
                    assertFalse(e.match() && e.junk());
                    if (e.match()) {
                        assertTrue(samePid && q.camids()[i] != g.camids()[j]);
                        if (protocol == Protocol.CLOTHES_CHANGING) assertTrue(q.clothes()[i] != g.clothes()[j]);
                        if (protocol == Protocol.SAME_CLOTHES) assertEquals(q.clothes()[i], g.clothes()[j]);
                    }
                    assertEquals(e.junk() ? 0 : ++rank, e.rank());
                    if (e.match() && first == 0) first = e.rank();
                }
                // the whole gallery is listed: the first match is where the metrics found it
                assertEquals(ev.firstMatchRank(i), first, protocol + " query " + i);
                if (first == 1) firstHits++;
            }
            if (protocol != Protocol.SINGLE_GALLERY_SHOT) {
                assertEquals(m.rank(1), (double) firstHits / m.validQueries(), 1e-12, protocol + " Rank-1");
            }
        }
    }

    @Test
    void evaluatorFillsRankListsFromTheSameDistancesWithAndWithoutReranking() throws java.io.IOException {
        SplittableRandom rnd = new SplittableRandom(5);
        int nq = 12;
        int ng = 40;
        int dim = 8;
        float[][] qe = new float[nq][dim];
        float[][] ge = new float[ng][dim];
        for (float[] row : qe) for (int i = 0; i < dim; i++) row[i] = (float) rnd.nextGaussian();
        for (float[] row : ge) for (int i = 0; i < dim; i++) row[i] = (float) rnd.nextGaussian();
        Labels q = labels("Q", rnd, nq, 4, 3);
        Labels g = labels("G", rnd, ng, 4, 3);
        for (boolean rerank : new boolean[] {false, true}) {
            // a block of a few rows only, so the rank lists see several blocks
            Config c = ConfigLoader.load(List.of("reid.eval.threads=2", "reid.eval.rerank.enabled=" + rerank,
                    "reid.eval.rerank.k1=5", "reid.eval.rerank.k2=2"));
            EvalConfig cfg = new EvalConfig(Protocol.STANDARD, 50, Metric.COSINE, 10, 1, 2, 4L * ng * 5, rerank,
                    EvalConfig.from(c).rerankParams(), 0);
            RankLists lists = new RankLists(q, g, Protocol.STANDARD, 7, 2);
            RankingMetrics withLists = Evaluator.evaluate(Embeddings.of("q", qe), Embeddings.of("g", ge), q, g, cfg, lists);
            RankingMetrics plain = Evaluator.evaluate(qe, ge, q, g, cfg);
            assertEquals(plain.mAP(), withLists.mAP(), 0, "the metrics do not change");
            float[] full = rerank
                    ? cfg.reranker().rerank(new org.reidspark.eval.rerank.FeatureDistances(Embeddings.of("q", qe),
                    Embeddings.of("g", ge), Metric.COSINE, 2))
                    : new DistanceBlocks(Embeddings.of("q", qe), Embeddings.of("g", ge), Metric.COSINE).matrix();
            for (int i = 0; i < nq; i++) {
                assertArrayEquals(bruteForce(full, i, ng, 7), lists.indices(i), "rerank " + rerank + ", query " + i);
            }
        }
    }

    @Test
    void badInputIsRefused() {
        Labels q = Labels.of("Q", new int[] {1}, new int[] {0});
        Labels g = Labels.of("G", new int[] {1, 2}, new int[] {1, 0});
        assertThrows(IllegalArgumentException.class, () -> new RankLists(q, g, Protocol.STANDARD, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RankLists(q, g, Protocol.CLOTHES_CHANGING, 3, 1));
        RankLists lists = new RankLists(q, g, Protocol.STANDARD, 3, 1);
        assertThrows(IllegalStateException.class, () -> lists.indices(0));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> lists.accept(0, 1, new float[] {0.5f, Float.NaN}, 0));
        assertTrue(nan.getMessage().contains("gallery column 1"), nan.getMessage());
        RankLists ok = new RankLists(q, g, Protocol.STANDARD, 3, 1);
        ok.accept(0, 1, new float[] {0.5f, 0.25f}, 0);
        assertArrayEquals(new int[] {1, 0}, ok.indices(0));
        assertEquals(List.of(new RankLists.Entry(1, 1, 1, 0.25f, false, false), new RankLists.Entry(2, 2, 0, 0.5f, true, false)),
                ok.entries(0));
        assertThrows(IllegalArgumentException.class, () -> ok.accept(0, 1, new float[] {0.5f, 0.25f}, 0));
        assertTrue(Arrays.equals(new float[] {0.25f, 0.5f}, ok.distances(0)));
    }
}
