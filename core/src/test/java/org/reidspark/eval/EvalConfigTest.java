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
}
