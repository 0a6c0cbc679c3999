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

/** The ablation runner's variant lists (one per method), selection, rows and tables. */
class AblationTest {
    private static Ablation.Variant variant(String name) {
        return Ablation.select("bot", name).get(0);
    }

    @Test
    void eachVariantRemovesExactlyItsTrick() {
        Config base = ConfigLoader.load(List.of());
        assertTrue(BotConfig.from(base).model().bnneck());
        assertTrue(BotConfig.from(base).loss().labelSmoothing() > 0);
        assertTrue(AugmentConfig.from(base).erasingP() > 0);
        for (Ablation.Variant v : Ablation.BOT) {
            Config c = v.applyTo(base);
            assertEquals(!v.name().equals("no-bnneck"), BotConfig.from(c).model().bnneck(), v.name());
            assertEquals(v.name().equals("no-label-smoothing") ? 0.0 : BotConfig.from(base).loss().labelSmoothing(),
                    BotConfig.from(c).loss().labelSmoothing(), 0, v.name());
            assertEquals(v.name().equals("no-random-erasing") ? 0.0 : AugmentConfig.from(base).erasingP(),
                    AugmentConfig.from(c).erasingP(), 0, v.name());
        }
        assertEquals(List.of("full", "no-bnneck", "no-label-smoothing", "no-random-erasing"), Ablation.names("bot"));
    }

    @Test
    void selectionKeepsTheTableOrderAndRejectsUnknownOrRepeatedNames() {
        assertEquals(Ablation.BOT, Ablation.select("bot", "all"));
        assertEquals(Ablation.BOT, Ablation.select("bot", ""));
        assertEquals(List.of("full", "no-random-erasing"),
                Ablation.select("bot", "no-random-erasing, full").stream().map(Ablation.Variant::name).toList());
        ConfigError unknown = assertThrows(ConfigError.class, () -> Ablation.select("bot", "full,no-bnnek"));
        assertTrue(unknown.getMessage().contains("no-bnnek") && unknown.getMessage().contains("no-bnneck"), unknown.getMessage());
        assertThrows(ConfigError.class, () -> Ablation.select("bot", "full,full"));
        ConfigError method = assertThrows(ConfigError.class, () -> Ablation.select("dgnet", "all"));
        assertTrue(method.getMessage().contains("reid.method") && method.getMessage().contains("dcr"), method.getMessage());
        assertEquals(List.of(7L, 8L, 9L), Ablation.seeds(7, 3));
    }

    @Test
    void rowsAverageOverSeedsAndTheTableComparesWithFullAndTheBaseline() {
        Ablation.Row full = new Ablation.Row(variant("full"), List.of(
                new Ablation.Run("full", 1, 0.50, 0.30, 0.10, 100, 2.0, false),
                new Ablation.Run("full", 2, 0.70, 0.40, 0.20, 100, 4.0, true)));
        Ablation.Row noBnneck = new Ablation.Row(variant("no-bnneck"), List.of(
                new Ablation.Run("no-bnneck", 1, 0.40, 0.20, 0.05, 100, 3.0, false),
                new Ablation.Run("no-bnneck", 2, 0.40, 0.26, 0.07, 100, 3.0, false)));
        assertEquals(0.60, full.rank1(), 1e-12);
        assertEquals(0.35, full.mAP(), 1e-12);
        assertEquals(3.0, full.minutes(), 1e-12);
        assertEquals(Math.sqrt(0.02), full.sd(Ablation.Run::rank1), 1e-12);
        assertEquals(0.0, noBnneck.sd(Ablation.Run::rank1), 1e-12);
        Map<String, Object> json = noBnneck.toMap();
        assertEquals(Map.of("reid.bot.bnneck", false), json.get("overrides"));
        assertEquals(0.23, (double) json.get("mAP"), 1e-12);

        RankingMetrics baseline = new RankingMetrics(Protocol.STANDARD, new double[]{0.66, 0.8}, 0.49, 0.16, 100, 100, 500);
        String table = Ablation.table(List.of(full, noBnneck), baseline);
        String[] lines = table.split("\n");
        assertEquals(5, lines.length, table);
        assertEquals("| full | - | 0.6000 ± 0.1414 | 0.3500 ± 0.0707 | 0.1500 ± 0.0707 |  | 3.0 |", lines[2]);
        assertEquals("| no-bnneck | BNNeck | 0.4000 ± 0.0000 | 0.2300 ± 0.0424 | 0.0600 ± 0.0141 | -0.1200 | 3.0 |", lines[3]);
        assertEquals("| colour-histogram baseline | (no training) | 0.6600 | 0.4900 | 0.1600 | +0.1400 | |", lines[4]);
        assertFalse(Ablation.table(List.of(noBnneck), baseline).contains("+"), "no comparison without the full recipe");
    }

    @Test
    void dcrVariantsChangeOnlyWhatTheyNameAndMatchingVariantsReuseTheFullModel() {
        Config base = ConfigLoader.load(List.of("reid.method=dcr"));
        org.reidspark.method.dcr.DcrConfig full = org.reidspark.method.dcr.DcrConfig.from(base);
        for (Ablation.Variant v : Ablation.DCR) {
            Config c = v.applyTo(base);
            if (v.name().equals("bot")) {
                assertEquals("bot", org.reidspark.method.Methods.of(c).name());
                assertEquals(base.getConfig("reid.model"), c.getConfig("reid.model"), "BoT gets DCR's backbone");
                continue;
            }
            org.reidspark.method.dcr.DcrConfig d = org.reidspark.method.dcr.DcrConfig.from(c);
            assertEquals(v.name().startsWith("k") ? Integer.parseInt(v.name().substring(1)) : 3, d.parts(), v.name());
            assertEquals(switch (v.name()) {
                case "parts-unweighted" -> "parts";
                case "holistic" -> "holistic";
                default -> "visible-parts";
            }, d.matching(), v.name());
            assertEquals(v.name().equals("no-overlap-penalty") ? 0.0 : full.loss().stripe(), d.loss().stripe(), v.name());
            assertEquals(v.name().equals("no-alignment") ? 0.0 : full.loss().alignment(), d.loss().alignment(), v.name());
            if (v.trainedAs() != null) {
                // evaluated on another variant's model: nothing but the matching may differ
                assertEquals(full.withMatching(d.matching()), d, v.name());
                assertEquals("full", v.trainingName());
            } else {
                assertEquals(v.name(), v.trainingName());
            }
        }
        assertEquals(List.of("full", "holistic"), Ablation.select("dcr", "holistic").stream().map(Ablation.Variant::name).toList(),
                "a matching variant brings the model it is evaluated on");
    }

    @Test
    void thePairedTableListsEachSeedsDifferenceFromFull() {
        Ablation.Row full = new Ablation.Row(Ablation.DCR.get(0), List.of(
                new Ablation.Run("full", 1, 0.50, 0.30, 0.10, 100, 2.0, false),
                new Ablation.Run("full", 2, 0.70, 0.40, 0.20, 100, 4.0, false)));
        Ablation.Row bot = new Ablation.Row(Ablation.DCR.get(Ablation.DCR.size() - 1), List.of(
                new Ablation.Run("bot", 1, 0.45, 0.25, 0.05, 100, 1.0, false),
                new Ablation.Run("bot", 2, 0.75, 0.38, 0.15, 100, 1.0, false)));
        String[] lines = Ablation.pairedTable(List.of(full, bot)).split("\n");
        assertEquals(3, lines.length);
        assertEquals("| bot | 1 / 2 | -0.0500 / -0.0200 | -0.0500 / +0.0500 | yes |", lines[2]);
        assertEquals("", Ablation.pairedTable(List.of(bot)), "nothing to pair without full");
    }
}
