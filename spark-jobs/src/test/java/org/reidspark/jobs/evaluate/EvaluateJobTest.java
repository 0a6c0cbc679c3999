package org.reidspark.jobs.evaluate;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.run.TrainedModel;
import org.reidspark.eval.Labels;
import org.reidspark.run.LocalTraining;
import org.reidspark.train.TrainingState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluate job on local[2]: an untrained BoT network published as a run (32x16 input), evaluated on a tiny
 * synthetic benchmark through the run's own shard set and through the catalog with re-ranking. Its metrics must
 * equal the evaluation engine's in one JVM on the same images, its rank lists must be sorted, flagged and agree
 * with the metrics, the run's own files must stay untouched, and bad runs must be refused clearly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateJobTest {
    private Path tmp;
    private Path runs;
    private Path run;
    private Path shardSet;

    /** The tiny synthetic benchmark (every invocation must name the same one) and local Spark. */
    private List<String> common() {
        return new ArrayList<>(List.of("reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.data.dataset=synth", "reid.synth.output=\"" + tmp.resolve("synth") + "\"", "reid.synth.identities=12",
                "reid.synth.cameras=3", "reid.synth.images-per-identity=5", "reid.synth.size=32x16",
                "reid.synth.distractors=4", "reid.synth.junk=2", "reid.synth.threads=2", "reid.embed.batch-size=8"));
    }


    static JobRun main(String job, List<String> args) {
        List<String> all = new ArrayList<>(List.of(job));
        all.addAll(args);
        return JobRun.run(all);
    }

    @BeforeAll
    void shardAndPublishAnUntrainedRun(@TempDir Path shared) throws Exception {
        tmp = shared;
        runs = tmp.resolve("runs");
        shardSet = tmp.resolve("sets/synth");
        List<String> shard = common();
        shard.addAll(List.of("reid.input.height=32", "reid.input.width=16", "--output", shardSet.toString(), "--shards", "2"));
        JobRun r = main("shard", shard);
        assertEquals(0, r.code(), r.err());
        run = publishUntrainedRun("m", Storage.path(shardSet.toString()).toString());
    }

    /** A BoT network at width 0.125 and 32x16 input, published as a training run that records {@code shards}. */
    private Path publishUntrainedRun(String name, String shards) throws Exception {
        Config config = ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.run.name=" + name, "reid.run.output=\"" + runs + "\""));
        Storage storage = new Storage(new Configuration());
        TrainingState state = Methods.of(config).initialize(new TrainingData(6, 0), 5, null);
        try (RunDirectory dir = RunDirectory.create(storage, RunConfig.from(config), config, "train")) {
            dir.writeModels(state.trainedNetworks());
            if (shards != null) dir.info("shards", shards);
            return Path.of(dir.publish().toUri());
        }
    }

    /** The metrics of the evaluation engine in this JVM: the run's network on the dataset's decoded images. */
    private RankingMetrics inProcess(List<String> evalOverrides) throws Exception {
        Storage storage = new Storage(new Configuration());
        TrainedModel model = TrainedModel.open(storage, run.toString());
        List<String> all = common();
        all.addAll(evalOverrides);
        Config config = ConfigLoader.load(all);
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        InputConfig input = InputConfig.from(model.config());
        assertEquals(32, input.height());
        Embedder embedder = new Embedder(model.testNetwork(), input, ImageSource.decoding(storage, input),
                LoaderConfig.from(config), 8, false);
        return LocalTraining.evaluate(embedder, manifest, EvalConfig.from(config));
    }

    private static Map<String, Long> snapshot(Path dir) throws Exception {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (!rel.startsWith(EvaluateJob.EVALUATIONS)) files.put(rel, Files.getLastModifiedTime(p).toMillis() ^ Files.size(p));
            }
        }
        return files;
    }

    private static void assertMetricsEqual(RankingMetrics expected, JsonNode actual) {
        assertEquals(expected.validQueries(), actual.get("validQueries").asInt());
        assertEquals(expected.mAP(), actual.get("mAP").asDouble(), 1e-6, "mAP");
        assertEquals(expected.mINP(), actual.get("mINP").asDouble(), 1e-6, "mINP");
        double[] cmc = expected.cmc();
        assertEquals(cmc.length, actual.get("cmc").size());
        for (int i = 0; i < cmc.length; i++) assertEquals(cmc[i], actual.get("cmc").get(i).asDouble(), 1e-6, "cmc " + i);
    }

    /** rank-list.csv as rows of column -> value, checked for order and flags; returns the rows by query key. */
    private static Map<Long, List<Map<String, String>>> checkRankLists(Path csv, int k, String protocol) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.get(0).split(",");
        assertEquals(List.of(RankListRows.SCHEMA.fieldNames()), List.of(header));
        Map<Long, List<Map<String, String>>> byQuery = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) row.put(header[i], v[i]);
            byQuery.computeIfAbsent(Long.parseLong(row.get("query_key")), q -> new ArrayList<>()).add(row);
        }
        boolean sawJunk = false;
        for (List<Map<String, String>> list : byQuery.values()) {
            assertEquals(k, list.size(), "k items per query");
            int rank = 0;
            for (int i = 0; i < list.size(); i++) {
                Map<String, String> e = list.get(i);
                assertEquals(i + 1, Integer.parseInt(e.get("position")));
                if (i > 0) {
                    assertTrue(Float.parseFloat(list.get(i - 1).get("distance")) <= Float.parseFloat(e.get("distance")),
                            "sorted by distance: " + list);
                }
                boolean samePid = e.get("query_pid").equals(e.get("gallery_pid"));
                boolean sameCam = e.get("query_camid").equals(e.get("gallery_camid"));
                assertEquals("standard", protocol);
                assertEquals(samePid && !sameCam, Boolean.parseBoolean(e.get("match")), "match flag " + e);
                assertEquals(samePid && sameCam, Boolean.parseBoolean(e.get("junk")), "junk flag " + e);
                sawJunk |= Boolean.parseBoolean(e.get("junk"));
                assertEquals(Boolean.parseBoolean(e.get("junk")) ? "" : String.valueOf(++rank), e.get("rank"));
            }
        }
        assertTrue(sawJunk, "the benchmark has same-camera images of query persons: some lists show junk");
        return byQuery;
    }

    /** Rank-1 from the rank lists: queries whose first non-junk item is a true match, over the valid queries. */
    private static double rank1(Map<Long, List<Map<String, String>>> lists, int validQueries) {
        int hits = 0;
        for (List<Map<String, String>> list : lists.values()) {
            Map<String, String> first = list.stream().filter(e -> !Boolean.parseBoolean(e.get("junk"))).findFirst().orElseThrow();
            if (Boolean.parseBoolean(first.get("match"))) hits++;
        }
        return (double) hits / validQueries;
    }

    @Test
    void evaluatesTheShardSetTheRunWasTrainedOnAsTheEngineDoesInProcess() throws Exception {
        Map<String, Long> before = snapshot(run);
        // no reid.input here: the job must use the run's 32x16, not the 256x128 default
        List<String> args = common();
        args.addAll(List.of("--run", run.toString(), "--top-k", "6"));
        JobRun r = main("evaluate", args);
        assertEquals(0, r.code(), r.err() + r.out());
        Path eval = run.resolve("evaluations/market1501-standard");
        assertTrue(r.out().contains("evaluate: m@") && r.out().contains("rank lists: top-6 of")
                && r.out().contains("evaluations/market1501-standard"), r.out());
        for (String f : List.of("_PUBLISHED", "metrics.json", "rank-list.csv", "config.conf", "run.json")) {
            assertTrue(Files.exists(eval.resolve(f)), f + " missing");
        }
        try (Stream<Path> s = Files.list(run.resolve(EvaluateJob.EVALUATIONS))) {
            assertEquals(List.of("market1501-standard"), s.map(p -> p.getFileName().toString()).toList(), "no work directory left");
        }
        assertEquals(before, snapshot(run), "the published run's own files are untouched");

        JsonNode metrics = new ObjectMapper().readTree(eval.resolve("metrics.json").toFile());
        RankingMetrics expected = inProcess(List.of());
        assertMetricsEqual(expected, metrics);
        assertEquals("run", metrics.get("data").get("source").asText());
        assertEquals(Storage.path(shardSet.toString()).toString(), metrics.get("data").get("shardSet").asText());
        assertTrue(metrics.get("model").get("runId").asText().startsWith("m@"));
        assertEquals("[32,16]", metrics.get("model").get("input").toString());
        assertTrue(metrics.get("provenance").has("gitRevision"));
        assertEquals(32, com.typesafe.config.ConfigFactory.parseString(Files.readString(eval.resolve("config.conf")))
                .getInt("reid.input.height"), "the config it ran with: the run's input size");

        Map<Long, List<Map<String, String>>> lists = checkRankLists(eval.resolve("rank-list.csv"), 6, "standard");
        assertEquals(expected.queries(), lists.size());
        assertEquals(expected.rank(1), rank1(lists, expected.validQueries()), 1e-12);

        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", false).getOrCreate();
        try {
            List<Row> parquet = spark.read().parquet(eval.resolve("rank-list.parquet").toString())
                    .orderBy("query_key", "position").collectAsList();
            assertEquals(Files.readAllLines(eval.resolve("rank-list.csv")).size() - 1, parquet.size());
            Row first = parquet.get(0);
            Map<String, String> csvFirst = lists.values().iterator().next().get(0);
            assertEquals(csvFirst.get("gallery_uri"), first.getAs("gallery_uri"));
            assertEquals(Float.parseFloat(csvFirst.get("distance")), (float) first.getAs("distance"));
        } finally {
            spark.stop();
        }

        JobRun again = main("evaluate", args);
        assertEquals(1, again.code(), again.out());
        assertTrue(again.err().contains("already exists") && again.err().contains("reid.run.overwrite"), again.err());
    }

    @Test
    void evaluatesACatalogWithReRankingAtTheRunsInputSize() throws Exception {
        List<String> rerank = List.of("reid.eval.rerank.k1=6", "reid.eval.rerank.k2=3");
        List<String> args = common();
        args.addAll(rerank);
        args.addAll(List.of("--run", run.toString(), "--data", "catalog", "--rerank", "--top-k", "4",
                "--output", tmp.resolve("evaluations").toString()));
        JobRun r = main("evaluate", args);
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("re-ranked"), r.out());
        Path eval = tmp.resolve("evaluations/market1501-standard-rerank");
        assertTrue(Files.exists(eval.resolve("_PUBLISHED")));
        assertFalse(Files.exists(eval.resolve(EvaluateJob.TEMPORARY_SHARDS)), "the decoded images are not kept");
        assertFalse(Files.exists(run.resolve(EvaluateJob.EVALUATIONS).resolve("market1501-standard-rerank")));
        JsonNode metrics = new ObjectMapper().readTree(eval.resolve("metrics.json").toFile());
        List<String> overrides = new ArrayList<>(rerank);
        overrides.add("reid.eval.rerank.enabled=true");
        RankingMetrics expected = inProcess(overrides);
        assertMetricsEqual(expected, metrics);
        assertEquals("catalog", metrics.get("data").get("source").asText());
        assertEquals("[32,16]", metrics.get("data").get("imageSize").toString());
        assertTrue(metrics.get("evaluation").get("rerank").asBoolean());
        Map<Long, List<Map<String, String>>> lists = checkRankLists(eval.resolve("rank-list.csv"), 4, "standard");
        assertEquals(expected.rank(1), rank1(lists, expected.validQueries()), 1e-12);
    }

    @Test
    void missingUnpublishedOrShardlessRunsAreClearErrors() throws Exception {
        JobRun missing = main("evaluate", List.of("--run", tmp.resolve("nope").toString()));
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no run directory at") && missing.err().contains("nope"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Path half = runs.resolve("._incomplete-half");
        Files.createDirectories(half.resolve("model"));
        Files.writeString(half.resolve("config.conf"), "");
        JobRun unpublished = main("evaluate", List.of("--run", half.toString()));
        assertEquals(1, unpublished.code());
        assertTrue(unpublished.err().contains("not a published run directory"), unpublished.err());

        Path local = publishUntrainedRun("local", null);
        JobRun shardless = main("evaluate", List.of("--run", local.toString()));
        assertEquals(1, shardless.code());
        assertTrue(shardless.err().contains("records no shard set") && shardless.err().contains("reid.evaluate.data=catalog"),
                shardless.err());

        JobRun badData = main("evaluate", List.of("--run", run.toString(), "--data", "table"));
        assertEquals(2, badData.code());
        assertTrue(badData.err().contains("reid.evaluate.data"), badData.err());
    }
}
