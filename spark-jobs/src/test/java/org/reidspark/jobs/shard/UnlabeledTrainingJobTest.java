package org.reidspark.jobs.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training without identity labels through the jobs ({@code reid.data.train-labels = none}): the shard job refuses to
 * shard an unlabelled training split by identity and the train job refuses a method whose batches are formed by
 * identity, both before anything is written; the train job trains PAUL's unsupervised mode on it, on shards cut by
 * image whose rows keep the samples unlabelled.
 */
class UnlabeledTrainingJobTest {
    @TempDir
    static Path tmp;
    static Path root;

    @BeforeAll
    static void tree() throws Exception {
        root = MarketTree.write(tmp.resolve("market"));
    }

    /** A tiny train run on the tree with the training split read without labels. */
    private static List<String> train(Path runs, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "--dataset", "market1501", "--root", root.toString(), "--output", runs.toString(), "--name", "t",
                "reid.data.train-labels=none", "reid.shard.max-bad-fraction=0.2", "--workers", "2", "--epochs", "1",
                "reid.embed.batch-size=8", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.distributed.averaging-steps=1"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void identityShardsAndIdentityBatchesAreRefusedUpFront() {
        Path refused = tmp.resolve("sets/by-identity");
        JobRun byIdentity = MarketTree.shard(List.of("--root", root.toString(), "--shards", "2", "--output", refused.toString(),
                "reid.shard.max-bad-fraction=0.1", "reid.data.train-labels=none"));
        assertEquals(2, byIdentity.code(), byIdentity.err());
        assertTrue(byIdentity.err().contains("unlabelled") && byIdentity.err().contains("reid.shard.by = image"), byIdentity.err());
        assertFalse(Files.exists(refused), "nothing written");

        Path botRuns = tmp.resolve("runs-bot");
        JobRun bot = JobRun.run(train(botRuns, "reid.method=bot", "reid.input.height=32", "reid.input.width=16",
                "reid.sampler.p=2", "reid.sampler.k=2"));
        assertEquals(2, bot.code(), bot.err());
        assertTrue(bot.err().contains("method bot") && bot.err().contains("identity") && bot.err().contains("reid.data.train-labels = read")
                && bot.err().contains("reid.paul.mode = unsupervised"), bot.err());
        assertFalse(bot.err().contains("\tat "), "a message, not a stack trace: " + bot.err());
        assertFalse(Files.exists(botRuns.resolve("t")), "nothing written");
    }

    @Test
    void theTrainJobShardsByImageAndTrainsUnsupervisedPaulWithTheRowsUnlabelled() throws Exception {
        Path runs = tmp.resolve("runs-paul");
        JobRun paul = JobRun.run(train(runs, "reid.method=paul", "reid.paul.mode=unsupervised", "reid.input.height=64",
                "reid.input.width=48", "reid.augment.pad=0", "reid.augment.erasing-p=0", "reid.paul.batch-size=6",
                "reid.paul.patch-dim=8", "reid.paul.embedding-dim=4", "reid.paul.pgn-channels=8", "reid.paul.pgn-hidden=8",
                "reid.paul.bank-init=first-sight", "reid.paul.pedal.neighbours=2"));
        assertEquals(0, paul.code(), paul.err() + paul.out());
        assertTrue(paul.out().contains("paul on market1501 with 2 workers"), paul.out());
        Path dir = runs.resolve("t");
        assertTrue(Files.exists(dir.resolve("_PUBLISHED")));
        ObjectMapper json = new ObjectMapper();
        JsonNode run = json.readTree(dir.resolve("run.json").toFile());
        assertFalse(run.at("/data/trainLabeled").asBoolean(true), run.toString());
        assertEquals(0, run.at("/data/trainIdentities").asInt(-1));
        assertEquals(14, run.at("/data/trainImages").asInt());
        assertTrue(json.readTree(dir.resolve("metrics.json").toFile()).has("mAP"));

        // the shard set the run trained on: cut by image, no persons in its training shards, every row unlabelled
        Path shards = runs.resolve("t.shards");
        JsonNode info = json.readTree(shards.resolve("shard.json").toFile());
        assertEquals("image", info.get("by").asText(), "a label-free method trains on shards cut by image");
        assertEquals(0, info.get("trainIdentities").asInt());
        assertEquals(13, info.at("/splits/train/images").asInt(), "the corrupt image skipped");
        assertEquals(0, info.at("/splits/train/identities").asInt(), "no persons in the training shards");
        assertEquals(2, info.at("/splits/query/identities").asInt(), "the query keeps its persons");
        Manifest unlabelled = Catalogs.byName("market1501").read(MarketTree.localStorage(), root.toString()).withoutTrainLabels();
        JobContext ctx = MarketTree.context(List.of());
        SparkSession spark = SparkSessions.create(ctx);
        try {
            ShardSet set = ShardSet.open(ctx.storage(), shards.toString());
            List<Row> manifest = set.manifest(spark).orderBy("key").collectAsList();
            assertEquals(unlabelled.samples().size(), manifest.size());
            for (int i = 0; i < manifest.size(); i++) {
                assertEquals(unlabelled.samples().get(i), ShardRows.sample(manifest.get(i)), "manifest.parquet row " + i);
            }
            int images = 0;
            for (int k = 0; k < set.shards(Split.TRAIN); k++) {
                Shard shard = set.load(spark, Split.TRAIN, k);
                assertTrue(shard.pids().isEmpty(), "shard " + k + " has no persons");
                for (int i = 0; i < shard.size(); i++) {
                    Sample s = shard.samples().get(i);
                    assertFalse(s.isLabeled(), s.toString());
                    assertEquals(unlabelled.samples().get((int) shard.key(i)), s, "key is the manifest index");
                    images++;
                }
            }
            assertEquals(13, images);
        } finally {
            SparkSessions.stop(spark);
        }
    }
}
