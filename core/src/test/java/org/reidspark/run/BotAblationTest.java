package org.reidspark.run;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.bot.BotConfig;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BotAblationTest {
    private static BotAblation.Variant variant(String name) {
        return BotAblation.select(name).get(0);
    }

    @Test
    void eachVariantRemovesExactlyItsTrick() {
        Config base = ConfigLoader.load(List.of());
        assertTrue(BotConfig.from(base).model().bnneck());
        assertTrue(BotConfig.from(base).loss().labelSmoothing() > 0);
        assertTrue(AugmentConfig.from(base).erasingP() > 0);
        for (BotAblation.Variant v : BotAblation.VARIANTS) {
            Config c = v.applyTo(base);
            assertEquals(!v.name().equals("no-bnneck"), BotConfig.from(c).model().bnneck(), v.name());
            assertEquals(v.name().equals("no-label-smoothing") ? 0.0 : BotConfig.from(base).loss().labelSmoothing(),
                    BotConfig.from(c).loss().labelSmoothing(), 0, v.name());
            assertEquals(v.name().equals("no-random-erasing") ? 0.0 : AugmentConfig.from(base).erasingP(),
                    AugmentConfig.from(c).erasingP(), 0, v.name());
        }
        assertEquals(List.of("full", "no-bnneck", "no-label-smoothing", "no-random-erasing"), BotAblation.names());
    }

    @Test
    void selectionKeepsTheTableOrderAndRejectsUnknownOrRepeatedNames() {
        assertEquals(BotAblation.VARIANTS, BotAblation.select("all"));
        assertEquals(BotAblation.VARIANTS, BotAblation.select(""));
        assertEquals(List.of("full", "no-random-erasing"),
                BotAblation.select("no-random-erasing, full").stream().map(BotAblation.Variant::name).toList());
        ConfigError unknown = assertThrows(ConfigError.class, () -> BotAblation.select("full,no-bnnek"));
        assertTrue(unknown.getMessage().contains("no-bnnek") && unknown.getMessage().contains("no-bnneck"), unknown.getMessage());
        assertThrows(ConfigError.class, () -> BotAblation.select("full,full"));
        ConfigError method = assertThrows(ConfigError.class,
                () -> BotAblation.checkMethod(ConfigLoader.load(List.of()).withValue("reid.method",
                        com.typesafe.config.ConfigValueFactory.fromAnyRef("dgnet"))));
        assertTrue(method.getMessage().contains("reid.method"), method.getMessage());
        assertEquals(List.of(7L, 8L, 9L), BotAblation.seeds(7, 3));
    }

    @Test
    void rowsAverageOverSeedsAndTheTableComparesWithFullAndTheBaseline() {
        BotAblation.Row full = new BotAblation.Row(variant("full"), List.of(
                new BotAblation.Run("full", 1, 0.50, 0.30, 0.10, 100, 2.0, false),
                new BotAblation.Run("full", 2, 0.70, 0.40, 0.20, 100, 4.0, true)));
        BotAblation.Row noBnneck = new BotAblation.Row(variant("no-bnneck"), List.of(
                new BotAblation.Run("no-bnneck", 1, 0.40, 0.20, 0.05, 100, 3.0, false),
                new BotAblation.Run("no-bnneck", 2, 0.40, 0.26, 0.07, 100, 3.0, false)));
        assertEquals(0.60, full.rank1(), 1e-12);
        assertEquals(0.35, full.mAP(), 1e-12);
        assertEquals(3.0, full.minutes(), 1e-12);
        assertEquals(Math.sqrt(0.02), full.sd(BotAblation.Run::rank1), 1e-12);
        assertEquals(0.0, noBnneck.sd(BotAblation.Run::rank1), 1e-12);
        Map<String, Object> json = noBnneck.toMap();
        assertEquals(Map.of("reid.bot.bnneck", false), json.get("overrides"));
        assertEquals(0.23, (double) json.get("mAP"), 1e-12);

        RankingMetrics baseline = new RankingMetrics(Protocol.STANDARD, new double[]{0.66, 0.8}, 0.49, 0.16, 100, 100, 500);
        String table = BotAblation.table(List.of(full, noBnneck), baseline);
        String[] lines = table.split("\n");
        assertEquals(5, lines.length, table);
        assertEquals("| full | - | 0.6000 ± 0.1414 | 0.3500 ± 0.0707 | 0.1500 ± 0.0707 |  | 3.0 |", lines[2]);
        assertEquals("| no-bnneck | BNNeck | 0.4000 ± 0.0000 | 0.2300 ± 0.0424 | 0.0600 ± 0.0141 | -0.1200 | 3.0 |", lines[3]);
        assertEquals("| colour-histogram baseline | (no training) | 0.6600 | 0.4900 | 0.1600 | +0.1400 | |", lines[4]);
        assertFalse(BotAblation.table(List.of(noBnneck), baseline).contains("+"), "no comparison without the full recipe");
    }
}
