package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.train.TrainingState;

import java.io.InputStream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train job end to end: shard, parameter averaging over two workers, evaluation, publish; the same result
 * on separate executor JVMs (local-cluster) and when a task fails once and is retried.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainJobTest {
    @TempDir
    Path tmp;

    private Path data;
    private INDArray localParams;

    @BeforeAll
    void trainOnLocalSpark(@TempDir Path shared) throws Exception {
        data = MarketTree.write(shared.resolve("data"));
        Path runs = shared.resolve("runs");
        JobRun r = run(tinyTraining(data, runs));
        assertEquals(0, r.code(), r.err() + r.out());
        localRun = runs;
        localOut = r.out();
        localParams = finalParams(runs.resolve("t"));
    }

    private Path localRun;
    private String localOut;

    static INDArray finalParams(Path run) throws Exception {
        try (InputStream in = Files.newInputStream(run.resolve("checkpoints/state.bin"))) {
            return TrainingState.read(in).network("reid").params().dup();
        }
    }


    static JobRun run(List<String> args) {
        return JobRun.run(args);
    }

    static List<String> tinyTraining(Path data, Path runs) {
        return tinyTraining(data.toString(), runs.toString());
    }

    /** The tiny training run of these tests on the MarketTree at {@code root}, published as {@code <output>/t}. */
    static List<String> tinyTraining(String root, String output) {
        return new ArrayList<>(List.of("train", "reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "--dataset", "market1501", "--root", root, "--output", output, "--name", "t",
                "reid.shard.max-bad-fraction=0.2", "reid.input.height=32", "reid.input.width=16",
                "reid.model.backbone=resnet18", "reid.model.width=0.125", "reid.sampler.p=2", "reid.sampler.k=2",
                "reid.distributed.averaging-steps=2", "--workers", "2", "--epochs", "2",
                "reid.train.schedule.warmup-epochs=1", "reid.embed.batch-size=8"));
    }

    @Test
    void trainsWithTwoWorkersAndPublishesARun() throws Exception {
        Path runs = localRun;
        assertTrue(localOut.contains("with 2 workers") && localOut.contains("mAP"), localOut);
        Path dir = runs.resolve("t");
        for (String f : List.of("_PUBLISHED", "config.conf", "run.json", "metrics.json", "curve.json", "model/reid.zip",
                "checkpoints/state.bin")) {
            assertTrue(Files.exists(dir.resolve(f)), f + " missing");
        }
        assertTrue(Files.exists(runs.resolve("t.shards/_PUBLISHED")), "the shard set is published beside the run");
        JsonNode curve = new ObjectMapper().readTree(dir.resolve("curve.json").toFile());
        assertEquals(2, curve.size());
        JsonNode info = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
        assertEquals(2, info.get("workers").asInt());
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertTrue(metrics.get("validQueries").asInt() > 0, metrics.toString());
    }

    @Test
    void separateExecutorJvmsGiveTheSameModel() throws Exception {
        Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(sparkHome.resolve("jars"));
        Path runs = tmp.resolve("cluster");
        List<String> args = tinyTraining(data, runs);
        args.set(1, "reid.spark.master=\"local-cluster[2,1,1024]\"");
        args.add("reid.spark.conf.\"spark.executor.extraClassPath\"=\"" + System.getProperty("surefire.test.class.path")
                + "\"");
        JobRun r = run(args);
        assertEquals(0, r.code(), r.err() + r.out());
        INDArray cluster = finalParams(runs.resolve("t"));
        assertTrue(localParams.equalsWithEps(cluster, 1e-4), "local[2] and local-cluster parameters differ");
        assertTrue(Files.readString(runs.resolve("t/run.json")).contains("local-cluster[2,1,1024]"));
    }

    @Test
    void aTaskFailingOnceIsRetriedWithTheSameResult() throws Exception {
        Path runs = tmp.resolve("fault");
        List<String> args = tinyTraining(data, runs);
        args.set(1, "reid.spark.master=\"local[2,4]\"");
        args.add("reid.distributed.fault-round=1");
        JobRun r = run(args);
        assertEquals(0, r.code(), r.err() + r.out());
        INDArray retried = finalParams(runs.resolve("t"));
        assertTrue(localParams.equalsWithEps(retried, 1e-4), "a retried round changed the model");
    }

    @Test
    void aBadMethodSettingOrMethodNameFailsBeforeAnyWork() {
        for (String bad : List.of("reid.bot.lr=-1", "reid.method=b0t", "reid.bot.loss.triplet-margin=0")) {
            Path runs = tmp.resolve("bad-" + Math.abs(bad.hashCode()));
            List<String> args = tinyTraining(data, runs);
            args.add(bad);
            JobRun r = run(args);
            assertEquals(2, r.code(), bad + ": " + r.err() + r.out());
            String key = bad.substring(0, bad.indexOf('='));
            assertTrue(r.err().contains(key), bad + ": " + r.err());
            assertTrue(!Files.exists(runs), bad + ": nothing is written, no shard set is published: " + runs);
        }
    }

    /**
     * Five training identities (4, 3, 3, 2, 2 images) in two identity shards hold 3 and 2 identities: P = 3 fits the
     * training set but not every worker's shard, and the job says so before it writes or starts anything (it failed as
     * a sampler error in the workers' tasks, after sharding).
     */
    @Test
    void tooFewIdentitiesPerWorkerFailsBeforeAnyWork() {
        Path runs = tmp.resolve("few");
        List<String> args = tinyTraining(data, runs);
        args.add("reid.sampler.p=3");
        JobRun r = run(args);
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("reid.distributed.workers = 2 splits the 5 training identities into shards of [3, 2]"
                + " identities") && r.err().contains("hold at most 1"), r.err());
        assertTrue(!Files.exists(runs), "nothing is written, no shard set is published: " + runs);
        args.add("reid.sampler.p=6");
        JobRun none = run(args);
        assertEquals(2, none.code(), none.err() + none.out());
        assertTrue(none.err().contains("the 5 training identities are fewer than the 6 distinct identities"), none.err());
    }

    @Test
    void aResumeWithOtherSettingsIsRefusedNamingTheKeysAndTheCurveSurvivesAResume() throws Exception {
        Path runs = tmp.resolve("resume");
        List<String> args = tinyTraining(data, runs);
        args.addAll(List.of("reid.distributed.fault-round=1", "reid.train.checkpoint-every=1"));
        JobRun crashed = run(args);
        assertEquals(1, crashed.code(), "the run stops in its second epoch: " + crashed.out());
        assertTrue(Files.exists(runs.resolve("._incomplete-t/checkpoints/fingerprint.json")));
        String config = Files.readString(runs.resolve("._incomplete-t/config.conf"));

        List<String> changed = tinyTraining(data, runs);
        changed.addAll(List.of("reid.bot.lr=1e-3", "reid.sampler.k=3"));
        JobRun refused = run(changed);
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.err().contains("reid.bot.lr") && refused.err().contains("reid.sampler.k")
                && refused.err().contains("resume-with-changes"), refused.err());
        assertEquals(config, Files.readString(runs.resolve("._incomplete-t/config.conf")), "the stopped run's config is kept");

        List<String> again = tinyTraining(data, runs);
        again.add("reid.train.checkpoint-every=1");
        JobRun resumed = run(again);
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        JsonNode curve = new ObjectMapper().readTree(runs.resolve("t/curve.json").toFile());
        assertEquals(2, curve.size(), "the epoch before the resume is in the curve: " + curve);
        assertEquals(0, curve.get(0).get("epoch").asInt());
        assertEquals(1, curve.get(1).get("epoch").asInt());
        assertTrue(localParams.equalsWithEps(finalParams(runs.resolve("t")), 1e-4), "the resumed run ends at the unfaulted run's model");
    }

    @Test
    void aShardSetOfOtherDataIsNotReused() throws Exception {
        Path runs = tmp.resolve("reuse");
        Files.createDirectories(runs);
        // the shard set of the first run, published beside a run of another name
        JobRun first = run(tinyTraining(data, runs));
        assertEquals(0, first.code(), first.err());
        List<String> other = tinyTraining(data, runs);
        other.set(other.indexOf("t"), "u");
        other.addAll(List.of("reid.shard.output=\"" + runs.resolve("t.shards") + "\"", "reid.input.height=48"));
        JobRun refused = run(other);
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.err().contains("image size: 32x16 -> 48x16") && refused.err().contains("reid.run.overwrite"), refused.err());
    }

    @Test
    void anUnreadableGalleryImageIsSkippedByTheEvaluationAndTheBaselineAlikeAndCounted() throws Exception {
        Path tree = MarketTree.write(tmp.resolve("badgallery"));
        Path gallery = tree.resolve("Market-1501-v15.09.15/bounding_box_test/0010_c2s1_000001_00.jpg");
        byte[] bytes = Files.readAllBytes(gallery);
        Files.write(gallery, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        Path runs = tmp.resolve("badgallery-runs");
        JobRun r = run(tinyTraining(tree, runs));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("1 unreadable query or gallery images skipped"), r.out());
        JsonNode metrics = new ObjectMapper().readTree(runs.resolve("t/metrics.json").toFile());
        assertEquals(1, metrics.get("skippedImages").asInt());
        assertEquals(1, metrics.get("colourHistogramBaseline").get("skippedImages").asInt());
        assertEquals(metrics.get("gallery").asInt(), metrics.get("colourHistogramBaseline").get("gallery").asInt(),
                "the baseline ranks the same gallery as the evaluation");
    }

    @Test
    void theFaultReallyHappensWithoutRetries() {
        List<String> args = tinyTraining(data, tmp.resolve("noretry"));
        args.add("reid.distributed.fault-round=0");
        JobRun r = run(args);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("injected fault"), r.err());
    }
}
