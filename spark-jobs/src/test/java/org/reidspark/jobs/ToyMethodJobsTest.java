package org.reidspark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.method.toy.ToyMethod;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The toy method of the method contract (test code: two trained networks, a frozen one, keyed state, an extra label
 * array, visibility-weighted part matching) goes through the jobs by config alone: its conf
 * ({@code methods/toy.conf}) given to {@code train-local} and to {@code train} on Spark, then {@code evaluate} and
 * {@code extract} on the published run. Nothing in the jobs knows it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ToyMethodJobsTest {
    @TempDir
    Path tmp;
    private Path conf;

    @BeforeAll
    void register(@TempDir Path dir) throws Exception {
        ToyMethod.register();
        conf = dir.resolve("toy.conf");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("methods/toy.conf")) {
            Files.copy(in, conf);
        }
    }

    private List<String> common(String job, String name) {
        return new ArrayList<>(List.of(job, "--conf", conf.toString(), "--output", tmp.resolve("runs").toString(),
                "--name", name, "--epochs", "2", "reid.data.dataset=synth", "reid.synth.output=\"" + tmp.resolve("synth") + "\"",
                "reid.synth.identities=12", "reid.synth.images-per-identity=6", "reid.synth.cameras=3",
                "reid.train.schedule.warmup-epochs=1", "reid.embed.batch-size=8", "reid.spark.conf.\"spark.ui.enabled\"=false"));
    }

    @Test
    void trainsLocallyAndOnSparkThenEvaluatesAndExtractsByConfigAlone() throws Exception {
        JobRun local = JobRun.run(common("train-local", "toy-local"));
        assertEquals(0, local.code(), local.err() + local.out());
        assertTrue(local.out().contains("train-local: toy on"), local.out());

        List<String> spark = common("train", "toy-spark");
        spark.addAll(List.of("reid.spark.master=\"local[2]\"", "--workers", "2", "reid.sampler.p=2",
                "reid.distributed.averaging-steps=2"));
        JobRun trained = JobRun.run(spark);
        assertEquals(0, trained.code(), trained.err() + trained.out());
        assertTrue(trained.out().contains("train: toy on"), trained.out());

        ObjectMapper json = new ObjectMapper();
        for (String name : List.of("toy-local", "toy-spark")) {
            Path run = tmp.resolve("runs").resolve(name);
            assertTrue(Files.exists(run.resolve("model/encoder.zip")) && Files.exists(run.resolve("model/camera.zip")), name);
            assertFalse(Files.exists(run.resolve("model/teacher.zip")), name + ": the frozen teacher is not part of the model");
            JsonNode metrics = json.readTree(run.resolve("metrics.json").toFile());
            assertTrue(metrics.get("validQueries").asInt() > 0, metrics.toString());
            assertEquals("toy", json.readTree(run.resolve("run.json").toFile()).get("method").asText());
            JsonNode curve = json.readTree(run.resolve("curve.json").toFile());
            assertEquals(2, curve.size());
            for (String term : List.of("id", "teacher", "bank", "camera")) assertTrue(curve.get(1).get("meanLosses").has(term), term);
        }

        JobRun evaluated = JobRun.run("evaluate", "--run", tmp.resolve("runs/toy-spark").toString(),
                "reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false");
        assertEquals(0, evaluated.code(), evaluated.err() + evaluated.out());
        Path evaluation = tmp.resolve("runs/toy-spark/evaluations");
        Path metrics;
        try (var dirs = Files.list(evaluation)) {
            metrics = dirs.filter(Files::isDirectory).findFirst().orElseThrow().resolve("metrics.json");
        }
        JsonNode e = json.readTree(metrics.toFile());
        assertTrue(e.get("evaluation").get("matching").asText().contains("visibility-weighted"), e.toString());
        assertEquals("toy", e.get("model").get("method").asText());

        Path gallery;
        try (var found = Files.walk(tmp.resolve("synth"))) {
            gallery = found.filter(p -> p.getFileName().toString().equals("bounding_box_test")).findFirst().orElseThrow();
        }
        JobRun extracted = JobRun.run("extract", "--model", tmp.resolve("runs/toy-spark").toString(), "--input", gallery.toString(),
                "--output", tmp.resolve("embeddings").toString(), "reid.spark.master=\"local[2]\"",
                "reid.spark.conf.\"spark.ui.enabled\"=false");
        assertEquals(0, extracted.code(), extracted.err() + extracted.out());
        JsonNode info = json.readTree(tmp.resolve("embeddings/extract.json").toFile());
        assertEquals(List.of("embedding", "parts", "visibility"), iterate(info.get("features").fieldNames()));
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
