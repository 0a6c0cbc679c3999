package org.reidspark.jobs.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.Provenance;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.CameraPairs;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.EvaluationDetails;
import org.reidspark.eval.QueryOutcomes;
import org.reidspark.eval.TestFeatures;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Matching;
import org.reidspark.eval.Labels;
import org.reidspark.eval.RankLists;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.report.RunReports;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.jobs.shard.ShardSet;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code evaluate}: a published training run's model ({@link TrainedModel}) on a dataset's query and gallery.
 * The images are embedded on the executors ({@link SparkEmbedding}: the method's test network, with the run's own
 * {@code reid.input} preprocessing and {@code reid.embed}); the metrics (with the method's matching rule) ({@code reid.eval}: protocol, re-ranking) and the top-k rank
 * lists ({@link RankLists}) come from one blockwise pass of the evaluation engine on the driver, so the query x
 * gallery matrix never exists whole.
 *
 * <p>Data ({@code reid.evaluate.data}): the shard set the run was trained on (the train job records it in
 * {@code run.json}), a published shard set, or the dataset of {@code reid.data} read through its catalog, whose
 * query and gallery are then decoded on the executors at the run's input size into a temporary shard set
 * ({@link ShardJob#publish}: unreadable images skipped, counted, and the job refused above
 * {@code reid.shard.max-bad-fraction}).
 *
 * <p>Output: the published run is never modified in place. The evaluation is an artifact of its own,
 * {@code <run>/evaluations/<name>/} by default ({@code reid.evaluate.output} puts it elsewhere), written as
 * {@code ._incomplete-<name>} and published by rename and its {@code _PUBLISHED} marker ({@link RunDirectory}), so a
 * reader never sees half an evaluation and the run's own files stay as they were. It holds {@code metrics.json}
 * (metrics, the model's run id, the data, the evaluation settings, provenance), {@code rank-list.parquet/} and
 * {@code rank-list.csv} ({@link RankListRows}), {@code config.conf} and {@code run.json}.
 */
public final class EvaluateJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
    /** The folder of a run that holds its evaluations. */
    public static final String EVALUATIONS = "evaluations";
    public static final String METRICS = "metrics.json";
    public static final String RANK_LIST_PARQUET = "rank-list.parquet";
    public static final String RANK_LIST_CSV = "rank-list.csv";
    /** Where the catalog's query and gallery are decoded to, inside the evaluation until it is published. */
    static final String TEMPORARY_SHARDS = "query-gallery-shards";

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public String summary() {
        return "embed a dataset's query and gallery with a trained run's model on Spark; publish metrics and rank lists";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--run", "PATH", "reid.evaluate.run", "the published training run (default <output>/<name> of reid.run)"),
                JobOption.config("--data", "SOURCE", "reid.evaluate.data",
                        "run (its training shard set) | catalog (reid.data) | shards (--shards)"),
                JobOption.config("--shards", "PATH", "reid.evaluate.shards", "a published shard set (with --data shards)"),
                JobOption.config("--dataset", "NAME", "reid.data.dataset", "dataset layout (with --data catalog)"),
                JobOption.config("--root", "PATH", "reid.data.root", "dataset root (with --data catalog)"),
                JobOption.config("--name", "NAME", "reid.evaluate.name", "the evaluation's name (default <dataset>-<protocol>)"),
                JobOption.config("--output", "PATH", "reid.evaluate.output", "where evaluations go (default <run>/evaluations)"),
                JobOption.config("--top-k", "N", "reid.evaluate.top-k", "gallery items per query in the rank lists (0 = none)"),
                JobOption.config("--protocol", "NAME", "reid.eval.protocol",
                        "standard | clothes-changing | same-clothes | single-gallery-shot"),
                new JobOption("--rerank", null, "reid.eval.rerank.enabled", "k-reciprocal re-ranking before metrics and rank lists"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        EvaluateConfig settings = EvaluateConfig.from(config);
        Storage storage = ctx.storage();
        TrainedModel model = TrainedModel.open(storage, settings.runLocation(ctx.run()));
        // the model's own preprocessing: the input size and normalization it was trained with
        Config evalConfig = config.withValue("reid.input", model.config().getValue("reid.input"));
        InputConfig input = InputConfig.from(evalConfig);
        EvalConfig eval = EvalConfig.from(evalConfig);
        SparkEmbedding.Settings embedding = new SparkEmbedding.Settings(input, LoaderConfig.from(config), EmbedConfig.from(config));

        // everything that can fail on bad settings fails before Spark starts
        Manifest catalog = null;
        ShardSet set = null;
        switch (settings.data()) {
            case "run" -> set = ShardSet.open(storage, trainedOn(storage, model));
            case "shards" -> set = ShardSet.open(storage, settings.shards());
            case "catalog" -> catalog = queryAndGallery(ShardJob.read(ctx, SynthDatasets.resolve(config, storage)));
            default -> throw new IllegalStateException(settings.data());
        }
        String dataset = set != null ? set.info().path("dataset").asText("unknown") : catalog.dataset();
        String defaultName = dataset + "-" + eval.protocol().configName() + (eval.rerank() ? "-rerank" : "");
        SparkSession spark = null;
        try (RunDirectory dir = RunDirectory.create(storage, settings.target(model.location(), defaultName, ctx.run()),
                evalConfig, name())) {
            spark = SparkSessions.create(ctx);
            SparkSession session = spark;
            Path temporary = null;
            if (set == null) {
                temporary = dir.resolve(TEMPORARY_SHARDS);
                Config shardConfig = evalConfig.withValue("reid.shard.output", ConfigValueFactory.fromAnyRef(temporary.toString()));
                JobContext quiet = new JobContext(ctx.job(), shardConfig, ctx.args(), new PrintStream(OutputStream.nullOutputStream()));
                set = ShardSet.open(storage, ShardJob.publish(quiet, catalog, () -> session).toString());
            }
            Map<String, Object> data = dataInfo(settings, set, catalog, temporary == null);
            if (set.height() != input.height() || set.width() != input.width()) {
                LOG.warn("the shard set {} holds {}x{} images; the model was trained at {}x{} (its reid.input): they are"
                                + " resized again, which differs slightly from decoding at that size", set.location(),
                        set.height(), set.width(), input.height(), input.width());
            }
            for (Split split : new Split[] {Split.QUERY, Split.GALLERY}) {
                if (set.shards(split) == 0) {
                    throw new IOException((temporary == null ? "shard set " + set.location() : "dataset " + dataset)
                            + " has no " + split.lower() + " images to evaluate on");
                }
            }

            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            long t0 = System.nanoTime();
            TestModel shipped = model.portable();
            TestNetwork network = model.testNetwork();
            List<SparkEmbedding.Embedded> query;
            List<SparkEmbedding.Embedded> gallery;
            try (SparkProgress p = SparkProgress.open(spark.sparkContext(), "evaluate: embedding the query", "shards",
                    set.shards(Split.QUERY), set.info().path("splits").path("query").path("images").asLong(), null)) {
                query = SparkEmbedding.embed(jsc, set.shards(spark, Split.QUERY), shipped, embedding);
            }
            try (SparkProgress p = SparkProgress.open(spark.sparkContext(), "evaluate: embedding the gallery", "shards",
                    set.shards(Split.GALLERY), set.info().path("splits").path("gallery").path("images").asLong(), null)) {
                gallery = SparkEmbedding.embed(jsc, set.shards(spark, Split.GALLERY), shipped, embedding);
            }
            double embedSeconds = (System.nanoTime() - t0) / 1e9;
            if (temporary != null) storage.fs(temporary).delete(temporary, true);

            long t1 = System.nanoTime();
            Labels queryLabels = Labels.of("query", SparkEmbedding.samples(query));
            Labels galleryLabels = Labels.of("gallery", SparkEmbedding.samples(gallery));
            RankLists lists = settings.rankLists()
                    ? new RankLists(queryLabels, galleryLabels, eval.protocol(), settings.topK(), eval.threads()) : null;
            Matching matching = network.matching(eval.metric());
            TestFeatures queryFeatures = SparkEmbedding.features("query", query, network);
            TestFeatures galleryFeatures = SparkEmbedding.features("gallery", gallery, network);
            QueryOutcomes outcomes = new QueryOutcomes(queryLabels.size());
            RankingMetrics m = Evaluator.evaluate(queryFeatures, galleryFeatures, matching, queryLabels, galleryLabels, eval,
                    lists, outcomes);
            double evalSeconds = (System.nanoTime() - t1) / 1e9;

            List<String> files = new ArrayList<>();
            if (lists != null) {
                List<Row> rows = RankListRows.rows(lists, query, gallery);
                if (settings.formats().contains("parquet")) {
                    spark.createDataFrame(rows, RankListRows.SCHEMA).coalesce(1).write()
                            .parquet(dir.resolve(RANK_LIST_PARQUET).toString());
                    files.add(RANK_LIST_PARQUET);
                }
                if (settings.formats().contains("csv")) {
                    RankListRows.writeCsv(storage, dir.resolve(RANK_LIST_CSV), rows);
                    files.add(RANK_LIST_CSV);
                }
            }
            Map<String, Object> modelInfo = new LinkedHashMap<>();
            modelInfo.put("run", model.location().toString());
            modelInfo.put("runId", model.runId());
            modelInfo.put("method", model.method().name());
            modelInfo.put("input", List.of(input.height(), input.width()));
            Map<String, Object> settingsInfo = evaluationInfo(dir.location().getName(), evalConfig, eval, lists, files);
            settingsInfo.put("matching", matching.describe());

            Map<String, Object> metrics = new LinkedHashMap<>(m.toMap());
            metrics.put("model", modelInfo);
            metrics.put("data", data);
            metrics.put("evaluation", settingsInfo);
            metrics.put("provenance", Provenance.current());
            dir.writeJson(METRICS, metrics);
            dir.info("model", modelInfo).info("data", data).info("evaluation", settingsInfo)
                    .info("master", jsc.master()).info("embedSeconds", embedSeconds).info("evaluationSeconds", evalSeconds);
            // what the report reads beyond the rank lists, and the report (issue 19)
            new EvaluationDetails(m, lists, outcomes, CameraPairs.of(queryFeatures, galleryFeatures, matching, queryLabels,
                    galleryLabels, eval), RankListRows.items(query), RankListRows.items(gallery))
                    .writeQueriesAndPairs(storage, dir.work());
            RunReports.beforePublish(ctx, dir, null, model.method());
            Path published = dir.publish();
            ctx.out().printf(Locale.ROOT, "evaluate: %s (%s) on %s, %s protocol%s: Rank-1 %.4f, mAP %.4f, mINP %.4f"
                            + " (%d valid queries of %d, gallery %d)%n", model.runId(), model.method().name(), dataset,
                    eval.protocol().configName(), eval.rerank() ? ", re-ranked" : "", m.rank(1), m.mAP(), m.mINP(),
                    m.validQueries(), m.queries(), m.gallery());
            ctx.out().print(m.otherLines());
            if (lists != null) {
                ctx.out().printf(Locale.ROOT, "rank lists: top-%d of %d queries in %s%n", lists.k(), lists.queries(),
                        String.join(", ", files));
            }
            if (((Number) data.getOrDefault("bad", 0)).intValue() > 0) {
                ctx.out().printf("skipped %s unreadable images (reid.shard.max-bad-fraction)%n", data.get("bad"));
            }
            ctx.out().println("evaluation: " + published);
        } finally {
            if (spark != null) spark.stop();
        }
        return 0;
    }

    /** The shard set a train-job run was trained on, from its {@code run.json}. */
    static String trainedOn(Storage storage, TrainedModel model) throws IOException {
        JsonNode info = new ObjectMapper().readTree(storage.readString(new Path(model.location(), "run.json")));
        String shards = info.path("shards").asText("");
        if (shards.isEmpty()) {
            throw new IOException("run " + model.location() + " records no shard set in its run.json (it was made by the "
                    + info.path("job").asText("unknown") + " job); evaluate it with reid.evaluate.data=catalog (the"
                    + " dataset of reid.data) or reid.evaluate.data=shards with reid.evaluate.shards=<a shard set>");
        }
        return shards;
    }

    /** The query and gallery of a catalog's manifest (the training split is not needed to evaluate). */
    static Manifest queryAndGallery(Manifest m) {
        List<Sample> samples = new ArrayList<>(m.query());
        samples.addAll(m.gallery());
        return new Manifest(m.dataset(), m.root(), samples);
    }

    private static Map<String, Object> dataInfo(EvaluateConfig settings, ShardSet set, Manifest catalog, boolean kept) {
        JsonNode info = set.info();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("source", settings.data());
        data.put("dataset", info.path("dataset").asText());
        data.put("root", info.path("root").asText());
        if (kept) data.put("shardSet", set.location().toString());
        if (catalog != null) data.put("manifestSha256", catalog.hash());
        data.put("imageSize", List.of(set.height(), set.width()));
        JsonNode splits = info.path("splits");
        data.put("queryImages", splits.path("query").path("images").asInt(0));
        data.put("galleryImages", splits.path("gallery").path("images").asInt(0));
        // unreadable query and gallery images, skipped when the set was made (listed in its bad-images.csv)
        data.put("bad", splits.path("query").path("bad").asInt(0) + splits.path("gallery").path("bad").asInt(0));
        return data;
    }

    private static Map<String, Object> evaluationInfo(String name, Config config, EvalConfig eval, RankLists lists,
                                                      List<String> files) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("protocol", eval.protocol().configName());
        if (!eval.alsoProtocols().isEmpty()) e.put("alsoProtocols", eval.alsoProtocols().stream().map(p -> p.configName()).toList());
        e.put("metric", eval.metric().configName());
        e.put("maxRank", eval.maxRank());
        e.put("rerank", eval.rerank());
        if (eval.rerank()) {
            e.put("k1", eval.rerankParams().k1());
            e.put("k2", eval.rerankParams().k2());
            e.put("lambda", eval.rerankParams().lambda());
        }
        e.put("flip", config.getBoolean("reid.embed.flip"));
        e.put("topK", lists == null ? 0 : lists.k());
        e.put("rankLists", files);
        e.put("name", name);
        return e;
    }
}
