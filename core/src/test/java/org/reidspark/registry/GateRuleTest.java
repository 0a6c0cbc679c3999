package org.reidspark.registry;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gate: mAP within the tolerance and Rank-1 within the margin of the champion's; no champion always promotes. */
class GateRuleTest {
    private final GateRule rule = new GateRule(0.01, 0.02);

    @Test
    void passesWithinToleranceAndMarginAndFailsOutside() {
        GateRule.Scores champion = new GateRule.Scores(0.60, 0.80);
        assertTrue(rule.decide(new GateRule.Scores(0.595, 0.785), champion).promote());
        assertTrue(rule.decide(new GateRule.Scores(0.70, 0.90), champion).promote());
        GateRule.Decision map = rule.decide(new GateRule.Scores(0.58, 0.90), champion);
        assertFalse(map.promote());
        assertTrue(map.reason().contains("mAP is too low") && map.reason().contains("0.5800") && map.reason().contains("0.5900"),
                map.reason());
        GateRule.Decision rank1 = rule.decide(new GateRule.Scores(0.65, 0.77), champion);
        assertFalse(rank1.promote());
        assertTrue(rank1.reason().contains("Rank-1 is too low"), rank1.reason());
        assertTrue(rule.decide(new GateRule.Scores(0.1, 0.1), champion).reason().contains("mAP and Rank-1 are too low"));
    }

    @Test
    void withoutAChampionTheCandidateIsPromoted() {
        GateRule.Decision d = rule.decide(new GateRule.Scores(0.01, 0.0), null);
        assertTrue(d.promote());
        assertTrue(d.reason().contains("no champion"), d.reason());
    }

    @Test
    void badSettingsNameTheirKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> new GateRule(-0.1, 0));
        assertTrue(e.getMessage().contains("reid.retrain.gate.map-tolerance"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> new GateRule(0, 1.5));
        assertTrue(e.getMessage().contains("reid.retrain.gate.rank1-margin"), e.getMessage());
    }
}
