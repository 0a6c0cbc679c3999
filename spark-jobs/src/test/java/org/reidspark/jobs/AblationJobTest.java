package org.reidspark.jobs;

import org.reidspark.jobs.testing.TestFiles;
import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.TrainingState;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ablation job end to end on a tiny synthetic split (8 identities at 32x16, a ResNet-18 at width 0.125, one
 * epoch): BoT's variants trained with their overrides, the table beside the baseline, ablation.json in a published run
 * directory, and a restarted ablation reusing the runs it had finished.
 */
class AblationJobTest {
    @TempDir
    Path tmp;

    private List<String> tiny(String name, String variants) {
        return new ArrayList<>(List.of("ablation", "--output", tmp.resolve("runs").toString(), "--name", name,
                "--variants", variants, "--epochs", "1",
                "reid.data.dataset=synth", "reid.synth.output=\"" + tmp.resolve("synth") + "\"", "reid.synth.identities=8",
                "reid.synth.cameras=3", "reid.synth.images-per-identity=4", "reid.synth.size=32x16",
                "reid.synth.distractors=2", "reid.synth.junk=0", "reid.synth.threads=2",
                "reid.input.height=32", "reid.input.width=16", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.sampler.p=2", "reid.sampler.k=2", "reid.train.schedule.warmup-epochs=0", "reid.train.log-every=1",
                "reid.train.checkpoint-every=1", "reid.embed.batch-size=8", "reid.loader.threads=1"));
    }

    private static TrainingState checkpoint(Path run, String variant) throws Exception {
        try (InputStream in = Files.newInputStream(run.resolve("checkpoints/" + variant + "/seed-1/state.bin"))) {
            return TrainingState.read(in);
        }
    }

    private static JsonNode json(Path p) throws Exception {
        return new ObjectMapper().readTree(p.toFile());
    }

    @Test
    void runsVariantsBesideTheBaselinePublishesTheTableAndReusesFinishedRuns() throws Exception {
        JobRun first = TrainJobTest.run(tiny("a", "full"));
        assertEquals(0, first.code(), first.err() + first.out());
        Path a = tmp.resolve("runs/a-ablation");
        for (String f : List.of("_PUBLISHED", "ablation.json", "ablation.md", "config.conf", "run.json",
                "variants/full/seed-1.json", "checkpoints/full/seed-1/state.bin")) {
            assertTrue(Files.exists(a.resolve(f)), f + " missing");
        }
        assertTrue(first.out().contains("| full | - |") && first.out().contains("| colour-histogram baseline |"), first.out());
        JsonNode report = json(a.resolve("ablation.json"));
        assertEquals(1, report.get("variants").size());
        JsonNode full = report.get("variants").get(0);
        assertEquals("full", full.get("variant").asText());
        double mAP = full.get("mAP").asDouble();
        assertTrue(mAP > 0 && mAP <= 1, "mAP " + mAP);
        assertTrue(report.get("baseline").get("mAP").asDouble() > 0);
        assertEquals(1, json(a.resolve("variants/full/seed-1.json")).get("curve").size(), "one epoch");
        assertTrue(checkpoint(a, "full").network("reid").getConfiguration().getVertices().containsKey(BNNeck.BN));

        // an ablation interrupted after its first variant: the same work directory, not yet published
        Path incomplete = tmp.resolve("runs/._incomplete-b-ablation");
        TestFiles.copyTree(a, incomplete);
        Files.delete(incomplete.resolve("_PUBLISHED"));
        JobRun second = TrainJobTest.run(tiny("b", "no-bnneck,full"));
        assertEquals(0, second.code(), second.err() + second.out());
        assertTrue(second.out().contains("full, seed 1") && second.out().contains("(reused from an earlier attempt)"), second.out());
        Path b = tmp.resolve("runs/b-ablation");
        JsonNode both = json(b.resolve("ablation.json"));
        assertEquals(List.of("full", "no-bnneck"), List.of(both.get("variants").get(0).get("variant").asText(),
                both.get("variants").get(1).get("variant").asText()), "the table's order");
        assertEquals(mAP, both.get("variants").get(0).get("mAP").asDouble(), 0, "the finished run is reused as it was");
        assertTrue(both.get("variants").get(0).get("runs").get(0).get("reused").asBoolean());
        assertFalse(both.get("variants").get(1).get("runs").get(0).get("reused").asBoolean());
        assertEquals(false, both.get("variants").get(1).get("overrides").get("reid.bot.bnneck").asBoolean(true));
        // the override reached the network that was trained
        assertFalse(checkpoint(b, "no-bnneck").network("reid").getConfiguration().getVertices().containsKey(BNNeck.BN));
        String row = second.out().lines().filter(l -> l.startsWith("| no-bnneck | BNNeck removed |")).findFirst().orElseThrow();
        assertTrue(row.matches("\\| no-bnneck \\| BNNeck removed \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [+-][0-9.]+ \\|"), row);
    }

    @Test
    void unknownVariantsAndBadRepeatsFailBeforeAnyWork() {
        JobRun bad = TrainJobTest.run(tiny("c", "full,no-bnnek"));
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("no-bnnek") && bad.err().contains("no-label-smoothing"), bad.err());
        List<String> args = tiny("c", "full");
        args.addAll(List.of("--repeats", "0"));
        JobRun repeats = TrainJobTest.run(args);
        assertEquals(2, repeats.code(), repeats.err());
        assertTrue(repeats.err().contains("--repeats"), repeats.err());
        List<String> unlabelled = tiny("c", "full");
        unlabelled.add("reid.data.train-labels=none");
        JobRun bot = TrainJobTest.run(unlabelled);
        assertEquals(2, bot.code(), bot.err());
        assertTrue(bot.err().contains("variant full") && bot.err().contains("reid.data.train-labels = none"), bot.err());
        assertFalse(Files.exists(tmp.resolve("synth")), "nothing was generated");
    }

    /** A DCR matching variant costs an evaluation: it reads the full variant's checkpoint and trains nothing. */
    @Test
    void dcrMatchingVariantsAreEvaluatedOnTheFullModel() throws Exception {
        List<String> args = tiny("d", "holistic");
        args.addAll(List.of("reid.method=dcr", "reid.input.height=64", "reid.input.width=32", "reid.dcr.parts=2",
                "reid.dcr.freeze-epochs=0", "reid.dcr.stripes.dilation=1", "reid.dcr.pseudo-labels.background-rows=0"));
        JobRun r = TrainJobTest.run(args);
        assertEquals(0, r.code(), r.err() + r.out());
        Path d = tmp.resolve("runs/d-ablation");
        JsonNode report = json(d.resolve("ablation.json"));
        assertEquals("dcr", report.get("method").asText());
        assertEquals(List.of("full", "holistic"), List.of(report.get("variants").get(0).get("variant").asText(),
                report.get("variants").get(1).get("variant").asText()), "the model it is evaluated on comes along");
        assertTrue(Files.exists(d.resolve("checkpoints/full/seed-1/state.bin")));
        assertFalse(Files.exists(d.resolve("checkpoints/holistic")), "no training of its own");
        JsonNode holistic = json(d.resolve("variants/holistic/seed-1.json"));
        assertEquals("full", holistic.get("trainedAs").asText());
        assertEquals(0, holistic.get("curve").size(), "evaluated on the full model, not trained");
        assertEquals(1, json(d.resolve("variants/full/seed-1.json")).get("curve").size());
        assertTrue(r.out().contains("| holistic | holistic matching (the full model) |"), r.out());
        assertTrue(r.out().contains("| variant | changes | Rank-1 | mAP | mINP | mAP vs full |"), "compared with the full model: " + r.out());
    }


    /**
     * PAUL's protocol: {@code source} is trained on another synthetic dataset (the source's overrides) and evaluated on
     * the target; {@code paul} starts from its model of the same seed and adapts on the target without labels. The
     * warm start is visible in the patch generation network: the source trains it (pgn-lr-factor 1 there), the
     * adaptation keeps it fixed (the official 0), so the adapted model's must be the source's, not its zero-weight
     * initialization.
     */
    @Test
    void paulAdaptsFromTheSourceModelOfTheSameSeed() throws Exception {
        List<String> args = tiny("p", "paul");
        args.addAll(List.of("reid.method=paul", "reid.synth.size=64x48", "reid.input.height=64", "reid.input.width=48",
                "reid.augment.pad=0", "reid.augment.erasing-p=0", "reid.paul.batch-size=6", "reid.paul.lr=0.05",
                "reid.paul.patch-dim=8", "reid.paul.embedding-dim=4", "reid.paul.pgn-channels=8", "reid.paul.pgn-hidden=8",
                "reid.paul.bank-init=first-sight", "reid.paul.pedal.neighbours=2",
                "reid.ablation.source.synth.seed=5", "reid.ablation.source.synth.output=\"" + tmp.resolve("source") + "\"",
                "reid.ablation.source.paul.pgn-lr-factor=1"));
        JobRun r = TrainJobTest.run(args);
        assertEquals(0, r.code(), r.err() + r.out());
        Path p = tmp.resolve("runs/p-ablation");
        assertTrue(Files.exists(tmp.resolve("source")), "the source dataset was made");
        JsonNode report = json(p.resolve("ablation.json"));
        assertEquals("paul", report.get("method").asText());
        assertEquals(5, report.get("source").get("synth").get("seed").asInt());
        assertEquals(List.of("source", "paul"), List.of(report.get("variants").get(0).get("variant").asText(),
                report.get("variants").get(1).get("variant").asText()), "the model it starts from comes along");
        assertTrue(json(p.resolve("variants/source/seed-1.json")).get("trainedOn").asText().contains(" -> "));
        assertEquals("source", json(p.resolve("variants/paul/seed-1.json")).get("initFrom").asText());
        org.nd4j.linalg.api.ndarray.INDArray source = checkpoint(p, "source").network("paul").getLayer("pgn.theta").getParam("W");
        org.nd4j.linalg.api.ndarray.INDArray adapted = checkpoint(p, "paul").network("paul").getLayer("pgn.theta").getParam("W");
        assertTrue(source.amaxNumber().doubleValue() > 0, "the source trained its patch generation network");
        assertEquals(source, adapted, "the adaptation starts from the source's model and keeps its patch generation fixed");
        assertTrue(r.out().contains("| paul | adapted to the target without labels"), r.out());
        assertTrue(r.out().contains("mAP vs source"), r.out());
    }
}
