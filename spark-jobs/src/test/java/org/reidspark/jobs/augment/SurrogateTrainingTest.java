package org.reidspark.jobs.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train job reads an augment output with {@code reid.paul.surrogates}: a tiny unsupervised PAUL run on the shard
 * set the surrogates were made from trains on them (its losses differ from making the surrogates in the loader), and a
 * set made of other data is refused naming both.
 */
class SurrogateTrainingTest {
    @TempDir
    Path tmp;

    /** PAUL's tiny unsupervised config (PaulContractTest's) on the fixture's shard set, 2 workers, 2 epochs. */
    private List<String> train(Path shards, String name, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--output", tmp.resolve("runs").toString(), "--name", name,
                "--epochs", "2", "--workers", "2", "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.data.dataset=market1501", "reid.data.root=" + tmp.resolve("market"), "reid.shard.output=" + shards,
                "reid.shard.max-bad-fraction=0.1", "reid.method=paul", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=" + AugmentFixture.HEIGHT, "reid.input.width=" + AugmentFixture.WIDTH,
                "reid.augment.pad=0", "reid.augment.erasing-p=0", "reid.paul.batch-size=4", "reid.paul.lr=0.05",
                "reid.paul.patch-dim=8", "reid.paul.embedding-dim=4", "reid.paul.pgn-channels=8", "reid.paul.pgn-hidden=8",
                "reid.paul.bank-init=first-sight", "reid.paul.pedal.neighbours=2", "reid.distributed.averaging-steps=1",
                "reid.train.schedule.warmup-epochs=0", "reid.embed.batch-size=8", "reid.report.enabled=false"));
        a.addAll(List.of(more));
        return a;
    }

    private static List<Double> losses(Path run) throws Exception {
        List<Double> out = new ArrayList<>();
        for (JsonNode e : new ObjectMapper().readTree(run.resolve("curve.json").toFile())) out.add(e.path("meanLosses").path("loss").asDouble(Double.NaN));
        return out;
    }

    @Test
    void paulTrainsOnTheStoredSurrogatesAndRefusesASetOfOtherData() throws Exception {
        Path shards = AugmentFixture.shardSet(tmp);
        Path set = tmp.resolve("surrogates/market");
        JobRun made = AugmentFixture.augment(List.of("--shards", shards.toString(), "--output", set.toString(), "--copies", "2"));
        assertEquals(0, made.code(), made.err());

        JobRun stored = JobRun.run(train(shards, "stored", "reid.paul.surrogates=" + set));
        assertEquals(0, stored.code(), stored.err() + stored.out());
        assertTrue(stored.out().contains("train: paul on market1501 with 2 workers"), stored.out());
        JsonNode info = new ObjectMapper().readTree(tmp.resolve("runs/stored/run.json").toFile());
        assertTrue(info.toString().contains("\"copies\":2") && info.toString().contains(set.getFileName().toString()), info.toString());

        JobRun loader = JobRun.run(train(shards, "loader"));
        assertEquals(0, loader.code(), loader.err() + loader.out());
        List<Double> a = losses(tmp.resolve("runs/stored"));
        List<Double> b = losses(tmp.resolve("runs/loader"));
        assertEquals(2, a.size(), a.toString());
        assertTrue(a.stream().allMatch(Double::isFinite), a.toString());
        assertNotEquals(a, b, "the stored surrogates, not the loader's, are the positives");

        // a surrogate set recorded as made of other data is refused before training, naming the set and the shard set
        Path other = tmp.resolve("surrogates/other");
        try (Stream<Path> files = Files.walk(set)) {
            for (Path f : files.toList()) {
                Path to = other.resolve(set.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        ObjectNode summary = (ObjectNode) new ObjectMapper().readTree(other.resolve(AugmentJob.SUMMARY).toFile());
        summary.put("manifestSha256", "0000");
        Files.writeString(other.resolve(AugmentJob.SUMMARY), summary.toString());
        JobRun refused = JobRun.run(train(shards, "refused", "reid.paul.surrogates=" + other));
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("was not made from the training shard set") && refused.err().contains("0000")
                && refused.err().contains("reid.paul.surrogates"), refused.err());

        JobRun missing = JobRun.run(train(shards, "missing", "reid.paul.surrogates=" + tmp.resolve("nothing")));
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("no published surrogate set at") && missing.err().contains("reid.paul.surrogates"),
                missing.err());
    }
}
