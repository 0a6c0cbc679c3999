package org.reidspark.run;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.eval.OutfitProbe;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.Methods;
import org.reidspark.method.bot.BotConfig;
import org.reidspark.method.cal.CalConfig;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ablations' variant lists per method, their selection, and the rows and tables of the results. */
class AblationTest {
    private static Ablation.Variant variant(Ablation.Spec spec, String name) {
        return spec.select(name).get(0);
    }

    private static Ablation.Figures f(String protocol, double rank1, double mAP, double mINP) {
        return new Ablation.Figures(protocol, rank1, mAP, mINP, 100);
    }

    @Test
    void eachBotVariantRemovesExactlyItsTrick() {
        Config base = ConfigLoader.load(List.of());
        assertTrue(BotConfig.from(base).model().bnneck());
        assertTrue(BotConfig.from(base).loss().labelSmoothing() > 0);
        assertTrue(AugmentConfig.from(base).erasingP() > 0);
        for (Ablation.Variant v : Ablations.BOT.variants()) {
            Config c = v.applyTo(base);
            assertEquals(!v.name().equals("no-bnneck"), BotConfig.from(c).model().bnneck(), v.name());
            assertEquals(v.name().equals("no-label-smoothing") ? 0.0 : BotConfig.from(base).loss().labelSmoothing(),
                    BotConfig.from(c).loss().labelSmoothing(), 0, v.name());
            assertEquals(v.name().equals("no-random-erasing") ? 0.0 : AugmentConfig.from(base).erasingP(),
                    AugmentConfig.from(c).erasingP(), 0, v.name());
        }
        assertEquals(List.of("full", "no-bnneck", "no-label-smoothing", "no-random-erasing"), Ablations.BOT.names());
    }

    @Test
    void calsVariantsRemoveTheClothesLossesOrShuffleTheClothesLabels() {
        Config base = ConfigLoader.load(List.of("reid.method=cal"));
        CalConfig cal = CalConfig.from(base);
        assertTrue(cal.adversarialWeight() > 0 && !cal.shuffledLabels());
        assertEquals(List.of("cal", "no-cal", "shuffled-clothes"), Ablations.CAL.names());
        assertEquals("no-cal", Ablations.CAL.reference());
        for (Ablation.Variant v : Ablations.CAL.variants()) {
            CalConfig c = (CalConfig) Methods.of(v.applyTo(base)).config();
            assertEquals(v.name().equals("no-cal") ? 0.0 : cal.adversarialWeight(), c.adversarialWeight(), 0, v.name());
            assertEquals(v.name().equals("shuffled-clothes"), c.shuffledLabels(), v.name());
            assertEquals(cal.model(), c.model(), "the same network in every arm");
            assertEquals(cal.startEpoch(), c.startEpoch(), "the same schedule in every arm");
        }
    }

    @Test
    void aMethodMapsToItsAblationAndSelectionKeepsTheTableOrder() {
        assertEquals(Ablations.BOT, Ablations.of("bot"));
        assertEquals(Ablations.CAL, Ablations.of("cal"));
        ConfigError none = assertThrows(ConfigError.class, () -> Ablations.of("toy"));
        assertTrue(none.getMessage().contains("toy") && none.getMessage().contains("cal"), none.getMessage());
        Ablation.Spec bot = Ablations.BOT;
        assertEquals(bot.variants(), bot.select("all"));
        assertEquals(bot.variants(), bot.select(""));
        assertEquals(List.of("full", "no-random-erasing"),
                bot.select("no-random-erasing, full").stream().map(Ablation.Variant::name).toList());
        ConfigError unknown = assertThrows(ConfigError.class, () -> bot.select("full,no-bnnek"));
        assertTrue(unknown.getMessage().contains("no-bnnek") && unknown.getMessage().contains("no-bnneck"), unknown.getMessage());
        assertThrows(ConfigError.class, () -> bot.select("full,full"));
        assertEquals(List.of(7L, 8L, 9L), Ablation.seeds(7, 3));
    }

    @Test
    void rowsAverageOverSeedsAndTheTablesCompareWithTheReferenceAndTheBaseline() {
        Ablation.Spec bot = Ablations.BOT;
        Ablation.Row full = new Ablation.Row(variant(bot, "full"), List.of(
                new Ablation.Run("full", 1, List.of(f("standard", 0.50, 0.30, 0.10)), null, 2.0, false),
                new Ablation.Run("full", 2, List.of(f("standard", 0.70, 0.40, 0.20)), null, 4.0, true)));
        Ablation.Row noBnneck = new Ablation.Row(variant(bot, "no-bnneck"), List.of(
                new Ablation.Run("no-bnneck", 1, List.of(f("standard", 0.40, 0.20, 0.05)), null, 3.0, false),
                new Ablation.Run("no-bnneck", 2, List.of(f("standard", 0.40, 0.26, 0.07)), null, 3.0, false)));
        assertEquals(0.60, full.rank1(), 1e-12);
        assertEquals(0.35, full.mAP(), 1e-12);
        assertEquals(3.0, full.minutes(), 1e-12);
        assertEquals(Math.sqrt(0.02), full.sd(Ablation.Run::rank1), 1e-12);
        assertEquals(0.0, noBnneck.sd(Ablation.Run::rank1), 1e-12);
        Map<String, Object> json = noBnneck.toMap();
        assertEquals(Map.of("reid.bot.bnneck", false), json.get("overrides"));
        assertEquals(0.23, (double) json.get("mAP"), 1e-12);

        RankingMetrics baseline = new RankingMetrics(Protocol.STANDARD, new double[]{0.66, 0.8}, 0.49, 0.16, 100, 100, 500);
        String table = Ablation.table(List.of(full, noBnneck), "full", baseline, null);
        List<String> lines = table.lines().toList();
        assertEquals("| full | - | 0.6000 ± 0.1414 | 0.3500 ± 0.0707 | 0.1500 ± 0.0707 |  |", lines.get(2));
        assertEquals("| no-bnneck | BNNeck removed | 0.4000 ± 0.0000 | 0.2300 ± 0.0424 | 0.0600 ± 0.0141 | -0.1200 |", lines.get(3));
        assertEquals("| colour-histogram baseline | (no training) | 0.6600 | 0.4900 | 0.1600 | +0.1400 |", lines.get(4));
        assertTrue(table.contains("| full | 3.0 |"), table);
        assertTrue(table.contains("| no-bnneck | -0.100 / -0.140 |"), "paired mAP differences seed by seed: " + table);
        assertFalse(Ablation.table(List.of(noBnneck), "full", baseline, null).contains("+"), "no comparison without the reference");
    }

    @Test
    void withSeveralProtocolsAndAProbeEachProtocolGetsItsTable() {
        Ablation.Spec cal = Ablations.CAL;
        OutfitProbe.Result p1 = new OutfitProbe.Result(0.40, 0.35, 200, 60, 20);
        OutfitProbe.Result p2 = new OutfitProbe.Result(0.60, 0.35, 200, 60, 20);
        Ablation.Row withCal = new Ablation.Row(variant(cal, "cal"), List.of(new Ablation.Run("cal", 1,
                List.of(f("clothes-changing", 0.30, 0.20, 0.05), f("same-clothes", 0.80, 0.60, 0.30)), p1, 10, false)));
        Ablation.Row without = new Ablation.Row(variant(cal, "no-cal"), List.of(new Ablation.Run("no-cal", 1,
                List.of(f("clothes-changing", 0.25, 0.15, 0.04), f("same-clothes", 0.82, 0.62, 0.31)), p2, 9, false)));
        RankingMetrics baseline = new RankingMetrics(Protocol.CLOTHES_CHANGING, new double[] {0.02}, 0.03, 0.01, 100, 100, 500)
                .withOthers(List.of(new RankingMetrics(Protocol.SAME_CLOTHES, new double[] {0.5}, 0.4, 0.2, 50, 100, 500)));
        String table = Ablation.table(List.of(withCal, without), "no-cal", baseline, new OutfitProbe.Result(0.9, 0.35, 200, 60, 20));
        assertTrue(table.contains("clothes-changing protocol:") && table.contains("same-clothes protocol:"), table);
        assertTrue(table.contains("| cal | - | 0.3000 | 0.2000 | 0.0500 | +0.0500 |"), table);
        assertTrue(table.contains("| cal | - | 0.8000 | 0.6000 | 0.3000 | -0.0200 |"), table);
        assertTrue(table.contains("| cal | 0.4000 (0.350) | 10.0 |"), table);
        assertTrue(table.contains("| colour-histogram baseline | 0.9000 (0.350) | |"), table);
        Map<String, Object> json = withCal.toMap();
        assertEquals(0.40, (double) json.get("probeAccuracy"), 1e-12);
        assertTrue(((Map<?, ?>) json.get("protocols")).containsKey("same-clothes"), json.toString());
    }

    @Test
    void dcrVariantsChangeOnlyWhatTheyNameAndMatchingVariantsReuseTheFullModel() {
        Config base = ConfigLoader.load(List.of("reid.method=dcr"));
        org.reidspark.method.dcr.DcrConfig full = org.reidspark.method.dcr.DcrConfig.from(base);
        for (Ablation.Variant v : Ablations.DCR.variants()) {
            Config c = v.applyTo(base);
            if (v.name().equals("bot")) {
                assertEquals("bot", Methods.of(c).name());
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
                // evaluated on another variant's model: nothing but the matching may differ, and the matching is
                // left out of the fingerprint, so the trained model's checkpoint is evaluated, not refused
                assertEquals(full.withMatching(d.matching()), d, v.name());
                assertEquals("full", v.trainingName());
                for (String key : v.overrides().keySet()) {
                    assertTrue(d.evaluationKeys().contains(key.substring("reid.dcr.".length())), key);
                }
            } else {
                assertEquals(v.name(), v.trainingName());
            }
        }
        assertEquals(List.of("full", "holistic"), Ablations.DCR.select("holistic").stream().map(Ablation.Variant::name).toList(),
                "a matching variant brings the model it is evaluated on");
        assertThrows(IllegalArgumentException.class, () -> new Ablation.Spec("x", List.of(
                new Ablation.Variant("eval-only", "-", Map.of(), "full"), new Ablation.Variant("full", "-", Map.of())), "full"),
                "a variant evaluated on a model trained after it");
    }

    @Test
    void paulsVariantsPreTrainOnTheSourceAndAdaptFromItWithoutLabels() {
        Config base = ConfigLoader.load(List.of("reid.method=paul", "reid.synth.output=\"data/target\"",
                "reid.ablation.source.synth.seed=7", "reid.ablation.source.synth.output=\"data/source\"",
                "reid.ablation.source.train.epochs=3"));
        Ablation.Spec paul = Ablations.PAUL;
        assertEquals(paul, Ablations.of("paul"));
        assertEquals("source", paul.reference());
        assertEquals(List.of("source", "paul"), paul.select("paul").stream().map(Ablation.Variant::name).toList(),
                "the adaptation brings the model it starts from");
        assertEquals(List.of("source", "pedal-only", "bot-target"),
                paul.select("bot-target,pedal-only").stream().map(Ablation.Variant::name).toList());
        org.reidspark.method.paul.PaulConfig reference = org.reidspark.method.paul.PaulConfig.from(base);
        for (Ablation.Variant v : paul.variants()) {
            Config c = v.trainingConfig(base);
            assertEquals(v.name().equals("source"), v.onSource(), v.name());
            assertEquals(v.name().equals("source") ? 7 : 1, c.getInt("reid.synth.seed"), v.name());
            assertEquals(v.name().equals("source") ? "data/source" : "data/target", c.getString("reid.synth.output"), v.name());
            assertEquals(v.name().equals("source") ? 3 : base.getInt("reid.train.epochs"), c.getInt("reid.train.epochs"), v.name());
            if (v.name().equals("bot-target")) {
                assertEquals("bot", Methods.of(c).name());
                assertEquals("read", c.getString("reid.data.train-labels"), "BoT trains with the target's labels");
                assertEquals(null, v.initFrom());
                continue;
            }
            org.reidspark.method.paul.PaulConfig p = org.reidspark.method.paul.PaulConfig.from(c);
            assertEquals(v.name().equals("source") ? "supervised" : "unsupervised", p.mode(), v.name());
            assertEquals(v.name().equals("source") ? null : "source", v.initFrom(), v.name());
            assertEquals(v.name().equals("pedal-only") ? 0.0 : reference.ipfl().weight(), p.ipfl().weight(), v.name());
            assertEquals(v.name().equals("nn-negatives") ? 1 : reference.ipfl().top(), p.ipfl().top(), v.name());
            assertEquals(v.name().equals("global-negatives"), p.ipfl().global(), v.name());
            assertEquals(v.name().equals("source") ? "read" : "none", c.getString("reid.data.train-labels"),
                    "the adaptation reads the target's training images without their persons: " + v.name());
            assertEquals(reference.pedal(), p.pedal(), "PEDAL the same in every arm");
            assertEquals(reference.model(), p.model(), "the same network in every arm");
        }
    }

    @Test
    void aSourceMustBeGivenWithKnownKeysAndBeAnotherDataset() {
        Config none = ConfigLoader.load(List.of("reid.method=paul"));
        ConfigError empty = assertThrows(ConfigError.class, () -> Ablations.PAUL.select("source").get(0).trainingConfig(none));
        assertTrue(empty.getMessage().contains(Ablation.SOURCE), empty.getMessage());
        Config typo = ConfigLoader.load(List.of("reid.method=paul", "reid.ablation.source.synth.sed=2"));
        ConfigError unknown = assertThrows(ConfigError.class, () -> Ablation.sourceConfig(typo));
        assertTrue(unknown.getMessage().contains("reid.ablation.source.synth.sed"), unknown.getMessage());

        org.reidspark.data.Sample a = new org.reidspark.data.Sample("/s/a.jpg", 1, 0, 0, -1, org.reidspark.data.Split.TRAIN);
        org.reidspark.data.Sample q = new org.reidspark.data.Sample("/t/q.jpg", 5, -1, 0, -1, org.reidspark.data.Split.QUERY);
        org.reidspark.data.Sample g = new org.reidspark.data.Sample("/t/g.jpg", 5, -1, 1, -1, org.reidspark.data.Split.GALLERY);
        org.reidspark.data.Sample t = new org.reidspark.data.Sample("/t/t.jpg", 9, 0, 1, -1, org.reidspark.data.Split.TRAIN);
        org.reidspark.data.Manifest source = new org.reidspark.data.Manifest("synth-a", "/s", List.of(a));
        org.reidspark.data.Manifest target = new org.reidspark.data.Manifest("synth-b", "/t", List.of(t, q, g));
        org.reidspark.data.Manifest both = Ablation.sourceToTarget(source, target);
        assertEquals(List.of(a), both.train(), "trained on the source's training images only");
        assertEquals(List.of(q), both.query());
        assertEquals(List.of(g), both.gallery());
        ConfigError same = assertThrows(ConfigError.class, () -> Ablation.sourceToTarget(target, target));
        assertTrue(same.getMessage().contains("target dataset itself"), same.getMessage());
    }

    @Test
    void aVariantStartingFromAnotherNeedsItListedBefore() {
        assertThrows(IllegalArgumentException.class, () -> new Ablation.Spec("x", List.of(
                Ablation.Variant.startingFrom("pre", "adapted", "-", Map.of()), new Ablation.Variant("pre", "-", Map.of())), "pre"));
        assertThrows(IllegalArgumentException.class, () -> new Ablation.Variant("v", "-", Map.of(), "full", "pre", false),
                "a variant evaluated on another's model trains nothing, so it starts from nothing");
    }
}
