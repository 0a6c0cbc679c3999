package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.S3Proxy;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training and evaluation with every artifact on S3 (s3proxy on loopback, read and written through S3A): the train
 * job reads the dataset from {@code s3a://} and publishes its shard set and run directory there; a run that fails
 * mid-training keeps its checkpoint on S3 and resumes from it to the same model; the evaluate job reads the
 * published run from {@code s3a://} and publishes its evaluation beside the run's files, which stay untouched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateJobS3Test {
    private static final ObjectMapper JSON = new ObjectMapper();
    private S3Proxy s3;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        s3 = S3Proxy.start();
        Path data = MarketTree.write(tmp.resolve("data"));
        assertTrue(s3.upload(data, "datasets") > 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (s3 != null) s3.close();
    }

    /** The tiny training of TrainJobTest with dataset, shard set and run directory on S3, one checkpoint per epoch. */
    private List<String> training(String name, String... more) {
        List<String> args = TrainJobTest.tinyTraining(s3.uri("datasets"), s3.uri("runs"));
        args.set(args.indexOf("--name") + 1, name);
        args.addAll(s3.overrides());
        args.addAll(List.of("reid.train.checkpoint-every=1", "reid.shard.output=\"" + s3.uri("runs/t.shards") + "\""));
        args.addAll(List.of(more));
        return args;
    }

    private INDArray finalParams(String run) throws Exception {
        return TrainingState.read(new ByteArrayInputStream(s3.get(run + "/checkpoints/state.bin"))).network("reid").params();
    }

    @Test
    void trainsResumesAndEvaluatesOnS3() throws Exception {
        JobRun trained = TrainJobTest.run(training("t"));
        assertEquals(0, trained.code(), trained.err() + trained.out());
        assertTrue(trained.out().contains("run directory: " + s3.uri("runs/t")), trained.out());
        List<String> keys = s3.keys("runs/");
        for (String f : List.of("_PUBLISHED", "config.conf", "run.json", "metrics.json", "curve.json", "model/reid.zip",
                "checkpoints/state.bin")) {
            assertTrue(keys.contains("runs/t/" + f), f + " missing from " + keys);
        }
        assertTrue(keys.contains("runs/t.shards/_PUBLISHED"), keys.toString());
        assertFalse(keys.stream().anyMatch(k -> k.startsWith("runs/._incomplete-t/") || k.contains("/_temporary/")
                || k.contains("state.bin.")), "nothing temporary left: " + keys);

        // a run that fails in its second epoch keeps the first epoch's checkpoint on S3 ...
        JobRun failed = TrainJobTest.run(training("r", "reid.distributed.fault-round=1"));
        assertEquals(1, failed.code(), failed.out());
        assertTrue(failed.err().contains("injected fault"), failed.err());
        keys = s3.keys("runs/");
        // (on S3 a run is written in place and committed by its marker: RunDirectory)
        assertTrue(keys.contains("runs/r/checkpoints/state.bin"), keys.toString());
        assertFalse(keys.contains("runs/r/_PUBLISHED"), keys.toString());
        TrainingState kept = TrainingState.read(new ByteArrayInputStream(s3.get("runs/r/checkpoints/state.bin")));
        assertEquals(1, kept.epoch());
        // ... and started again, trains only the second epoch from it, to the model of the uninterrupted run
        JobRun resumed = TrainJobTest.run(training("r"));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        var curve = JSON.readTree(s3.get("runs/r/curve.json"));
        assertEquals(2, curve.size(), "the curve keeps the epoch trained before the resume (it lives in the checkpoint)");
        assertEquals(0, curve.get(0).get("epoch").asInt());
        assertEquals(1, curve.get(1).get("epoch").asInt());
        assertTrue(finalParams("runs/t").equalsWithEps(finalParams("runs/r"), 1e-5), "the resumed run's model differs");
        keys = s3.keys("runs/");
        assertFalse(keys.stream().anyMatch(k -> k.contains("._incomplete") || k.contains("._lock") || k.contains("state.bin.")), keys.toString());

        // evaluate reads the published run from S3 and publishes its evaluation inside it
        byte[] marker = s3.get("runs/t/_PUBLISHED");
        List<String> runFiles = s3.keys("runs/t/");
        List<String> args = new ArrayList<>(List.of("evaluate", "reid.spark.master=\"local[2]\"",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "--run", s3.uri("runs/t"), "--top-k", "3"));
        args.addAll(s3.overrides());
        JobRun evaluated = TrainJobTest.run(args);
        assertEquals(0, evaluated.code(), evaluated.err() + evaluated.out());
        String eval = "runs/t/evaluations/market1501-standard/";
        assertTrue(evaluated.out().contains("evaluation: " + s3.uri(eval.substring(0, eval.length() - 1))), evaluated.out());
        List<String> evalKeys = s3.keys("runs/t/evaluations/");
        for (String f : List.of("_PUBLISHED", "metrics.json", "rank-list.csv", "config.conf", "run.json")) {
            assertTrue(evalKeys.contains(eval + f), f + " missing from " + evalKeys);
        }
        assertTrue(evalKeys.stream().anyMatch(k -> k.startsWith(eval + "rank-list.parquet/part-")), evalKeys.toString());
        assertTrue(evalKeys.stream().allMatch(k -> k.startsWith(eval)), "nothing but the evaluation: " + evalKeys);
        assertFalse(evalKeys.stream().anyMatch(k -> k.contains("/_temporary/") || k.contains("._incomplete")), evalKeys.toString());
        List<String> after = new ArrayList<>(s3.keys("runs/t/"));
        after.removeAll(evalKeys);
        assertEquals(runFiles, after, "the run's own files are the same");
        assertEquals(new String(marker, StandardCharsets.UTF_8), new String(s3.get("runs/t/_PUBLISHED"), StandardCharsets.UTF_8));

        // the same network on the same shard set: the metrics the train job measured at its end
        JsonNode metrics = JSON.readTree(s3.get(eval + "metrics.json"));
        JsonNode atTraining = JSON.readTree(s3.get("runs/t/metrics.json"));
        assertEquals(atTraining.get("validQueries").asInt(), metrics.get("validQueries").asInt());
        assertEquals(atTraining.get("mAP").asDouble(), metrics.get("mAP").asDouble(), 1e-6);
        assertEquals(atTraining.get("cmc").get(0).asDouble(), metrics.get("cmc").get(0).asDouble(), 1e-6);
        assertEquals(s3.uri("runs/t.shards"), metrics.get("data").get("shardSet").asText());
        String csv = new String(s3.get(eval + "rank-list.csv"), StandardCharsets.UTF_8);
        assertEquals(1 + 2 * 3, csv.strip().lines().count(), "2 queries x top-3 and a header:\n" + csv);
        assertTrue(csv.contains(s3.uri("datasets/")), "rows name the images by their S3 uris:\n" + csv);

        // the reports of the run and of the evaluation, made from their files on S3, with the dataset's images read
        // from S3 and copied beside the page; the report job makes one again from S3
        for (String dir : List.of("runs/t/", eval)) assertReportOnS3(dir);
        List<String> again = new ArrayList<>(List.of("report", "--run", s3.uri("runs/t")));
        again.addAll(s3.overrides());
        JobRun remade = TrainJobTest.run(again);
        assertEquals(0, remade.code(), remade.err() + remade.out());
        assertTrue(remade.out().contains(s3.uri("runs/t/report/index.html")), remade.out());
        assertReportOnS3("runs/t/");
        assertFalse(s3.keys("runs/t/").stream().anyMatch(k -> k.contains("._incomplete-report")), "no temporary report left");
    }

    private void assertReportOnS3(String dir) throws Exception {
        List<String> keys = s3.keys(dir + "report/");
        assertTrue(keys.contains(dir + "report/index.html"), keys.toString());
        String html = new String(s3.get(dir + "report/index.html"), StandardCharsets.UTF_8);
        java.util.regex.Matcher src = java.util.regex.Pattern.compile("src=\"([^\"]+)\"").matcher(html);
        int images = 0;
        while (src.find()) {
            assertTrue(keys.contains(dir + "report/" + src.group(1)), src.group(1) + " is beside the page: " + keys);
            if (src.group(1).startsWith("images/")) images++;
        }
        assertTrue(images >= 2, "the dataset's images, read from S3, are in the report: " + images);
    }
}
