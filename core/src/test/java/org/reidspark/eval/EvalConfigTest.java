package org.reidspark.eval;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalConfigTest {
    @Test
    void defaultsAreTheReferenceCodesSettings() {
        EvalConfig c = EvalConfig.from(ConfigLoader.load(List.of()));
        assertEquals(Protocol.STANDARD, c.protocol());
        assertEquals(50, c.maxRank());
        assertEquals(Metric.COSINE, c.metric());
        assertFalse(c.rerank());
        assertEquals(20, c.rerankParams().k1());
        assertEquals(6, c.rerankParams().k2());
        assertEquals(0.3, c.rerankParams().lambda());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.threads(), "threads 0 = all processors");
    }

    @Test
    void badValuesNameTheKey() {
        ConfigError p = assertThrows(ConfigError.class,
                () -> EvalConfig.from(ConfigLoader.load(List.of("reid.eval.protocol=market"))));
        assertTrue(p.getMessage().contains("reid.eval.protocol") && p.getMessage().contains("clothes-changing"), p.getMessage());
        ConfigError m = assertThrows(ConfigError.class,
                () -> EvalConfig.from(ConfigLoader.load(List.of("reid.eval.metric=manhattan"))));
        assertTrue(m.getMessage().contains("reid.eval.metric") && m.getMessage().contains("euclidean"), m.getMessage());
        ConfigError l = assertThrows(ConfigError.class,
                () -> EvalConfig.from(ConfigLoader.load(List.of("reid.eval.rerank.lambda=2"))));
        assertTrue(l.getMessage().contains("reid.eval.rerank.lambda"), l.getMessage());
        ConfigError r = assertThrows(ConfigError.class,
                () -> EvalConfig.from(ConfigLoader.load(List.of("reid.eval.max-rank=0"))));
        assertTrue(r.getMessage().contains("reid.eval.max-rank"), r.getMessage());
    }

    @Test
    void furtherProtocolsAreParsedCheckedAndLeaveTheHeadlineOut() {
        EvalConfig c = EvalConfig.from(ConfigLoader.load(List.of("reid.eval.protocol=clothes-changing",
                "reid.eval.also-protocols=[same-clothes, standard, clothes-changing]")));
        assertEquals(List.of(Protocol.SAME_CLOTHES, Protocol.STANDARD), c.alsoProtocols(), "the headline is left out");
        assertEquals(List.of(Protocol.CLOTHES_CHANGING, Protocol.SAME_CLOTHES, Protocol.STANDARD), c.protocols());
        assertEquals(List.of(), EvalConfig.from(ConfigLoader.load(List.of())).alsoProtocols());
        ConfigError twice = assertThrows(ConfigError.class, () -> EvalConfig.from(ConfigLoader.load(List.of(
                "reid.eval.also-protocols=[same-clothes, same-clothes]"))));
        assertTrue(twice.getMessage().contains("reid.eval.also-protocols"), twice.getMessage());
        ConfigError unknown = assertThrows(ConfigError.class, () -> EvalConfig.from(ConfigLoader.load(List.of(
                "reid.eval.also-protocols=[sc]"))));
        assertTrue(unknown.getMessage().contains("reid.eval.also-protocols") && unknown.getMessage().contains("same-clothes"),
                unknown.getMessage());
    }

    /**
     * Several protocols from the same distance blocks give exactly what separate evaluations give, and metrics.json
     * holds the others under otherProtocols.
     */
    @Test
    void severalProtocolsFromOneEvaluationEqualSeparateOnes() {
        java.util.Random r = new java.util.Random(3);
        int nq = 30;
        int ng = 90;
        float[][] q = new float[nq][8];
        float[][] g = new float[ng][8];
        int[] qp = new int[nq], qc = new int[nq], qk = new int[nq], gp = new int[ng], gc = new int[ng], gk = new int[ng];
        for (int i = 0; i < nq; i++) {
            qp[i] = i % 10;
            qc[i] = 0;
            qk[i] = 3 * (i % 10) + r.nextInt(3);
            for (int d = 0; d < 8; d++) q[i][d] = (float) (r.nextGaussian() + (d == qp[i] % 8 ? 2 : 0));
        }
        for (int j = 0; j < ng; j++) {
            gp[j] = j % 10;
            gc[j] = 1 + r.nextInt(3);
            gk[j] = 3 * (j % 10) + r.nextInt(3);
            for (int d = 0; d < 8; d++) g[j][d] = (float) (r.nextGaussian() + (d == gp[j] % 8 ? 2 : 0));
        }
        Labels ql = Labels.of("query", qp, qc, qk);
        Labels gl = Labels.of("gallery", gp, gc, gk);
        EvalConfig all = EvalConfig.from(ConfigLoader.load(List.of("reid.eval.protocol=clothes-changing",
                "reid.eval.also-protocols=[same-clothes, standard]", "reid.eval.block-mb=1")));
        RankingMetrics m = Evaluator.evaluate(q, g, ql, gl, all);
        assertEquals(2, m.others().size());
        for (Protocol p : all.protocols()) {
            EvalConfig one = EvalConfig.from(ConfigLoader.load(List.of("reid.eval.protocol=" + p.configName())));
            RankingMetrics alone = Evaluator.evaluate(q, g, ql, gl, one);
            RankingMetrics within = m.under(p);
            assertEquals(alone.mAP(), within.mAP(), 1e-12, p.toString());
            assertEquals(alone.mINP(), within.mINP(), 1e-12, p.toString());
            assertEquals(alone.validQueries(), within.validQueries(), p.toString());
            org.junit.jupiter.api.Assertions.assertArrayEquals(alone.cmc(), within.cmc(), 1e-12, p.toString());
        }
        java.util.Map<String, Object> json = m.toMap();
        assertEquals("clothes-changing", json.get("protocol"));
        assertEquals(java.util.Set.of("same-clothes", "standard"), ((java.util.Map<?, ?>) json.get("otherProtocols")).keySet());
        assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(q, g, ql, gl, EvalConfig.from(ConfigLoader.load(List.of())))
                .under(Protocol.SAME_CLOTHES));
    }
}
