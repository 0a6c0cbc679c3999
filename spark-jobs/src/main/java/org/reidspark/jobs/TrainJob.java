package org.reidspark.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.EvaluationDetails;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.config.ConfigError;
import org.reidspark.jobs.augment.SurrogateSet;
import org.reidspark.jobs.generate.GeneratedSet;
import org.reidspark.jobs.evaluate.SparkEmbedding;
import org.reidspark.jobs.report.RunReports;
import org.reidspark.report.ReportConfig;
import org.reidspark.jobs.shard.ShardConfig;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.jobs.shard.ShardSet;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.jobs.train.ParameterAveragingTrainer;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.run.Fingerprint;
import org.reidspark.run.LocalTraining;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;
import org.reidspark.run.WarmStart;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.EpochLoop;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code train}, the main job: dataset -> identity shards (one per worker) -> parameter-averaging training
 * on the executors -> evaluation of query against gallery on the executors -> a published run directory
 * ({@code model/}, {@code checkpoints/}, {@code config.conf}, {@code run.json}, {@code metrics.json},
 * {@code curve.json}). The shard set is published beside the run as {@code <name>.shards} and reused when the
 * run is restarted; so are the run's checkpoints.
 */
public final class TrainJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "the main job: shard a dataset, train with parameter averaging on Spark, evaluate, publish a run";
    }

    @Override
    public List<JobOption> options() {
        List<JobOption> options = new java.util.ArrayList<>(TrainLocalJob.TRAINING_OPTIONS);
        options.add(JobOption.config("--workers", "N", "reid.distributed.workers", "identity shards trained in parallel"));
        return List.copyOf(options);
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        Storage storage = ctx.storage();
        // everything that can fail on bad settings fails here, before any data is read or Spark starts
        Method method = Methods.of(config);
        method.trainingInputs();
        TrainConfig trainConfig = TrainConfig.from(config);
        DistributedConfig distributed = DistributedConfig.from(config);
        LoaderConfig loader = LoaderConfig.from(config);
        EvalConfig eval = EvalConfig.from(config);
        SparkEmbedding.Settings embedding = new SparkEmbedding.Settings(InputConfig.from(config), loader, EmbedConfig.from(config));
        String shardsAt = config.getString("reid.shard.output").isEmpty()
                ? new Path(Storage.path(ctx.run().output()), ctx.run().name() + ".shards").toString()
                : config.getString("reid.shard.output");
        // a method that reads no labels trains on shards cut by image: identity shards would group its batches by person
        String shardBy = method.trainingInputs().sampling().usesLabels() ? ShardConfig.from(config).by() : "image";
        Config withShards = config.withValue("reid.shard.output", ConfigValueFactory.fromAnyRef(shardsAt))
                .withValue("reid.shard.shards", ConfigValueFactory.fromAnyRef(distributed.workers()))
                .withValue("reid.shard.by", ConfigValueFactory.fromAnyRef(shardBy));
        JobContext shardCtx = ctx.withConfig(withShards);
        Manifest manifest = ShardJob.read(ctx, SynthDatasets.resolve(config, storage));
        TrainingData data = TrainingData.of(manifest);
        data.requireLabelsIfUsed(method);
        long seed = ctx.run().seed();
        requireIdentitiesPerWorker(method.trainingInputs().sampling(),
                ShardConfig.from(withShards).plan(manifest.samples(), distributed.workers(), seed), distributed.workers());
        Optional<TrainedModel> warm = WarmStart.source(config, method, storage);
        // a stopped run resumes only with what it was trained with (its fingerprint), checked before anything is written
        Fingerprint fingerprint = Fingerprint.of(config, method, manifest, Fingerprint.DISTRIBUTED);
        Fingerprint.checkStopped(storage, ctx.run(), fingerprint, config.getBoolean("reid.run.resume-with-changes"));
        // stored surrogates (PAUL's reid.paul.surrogates): a published augment output, opened before anything is written
        String copiesAt = method.trainingInputs().copies();
        String copiesKey = method.config().section() + ".surrogates";
        SurrogateSet surrogates = copiesAt.isEmpty() ? null
                : ShardJob.explained("open the surrogate set (" + copiesKey + ")", copiesAt, ctx.s3(),
                        () -> SurrogateSet.open(storage, copiesAt, copiesKey));
        // DG-Net's generated images as extra training data (reid.data.extra-shards), opened before anything is written
        List<GeneratedSet> extra = new java.util.ArrayList<>();
        for (String at : config.getStringList(GeneratedSet.EXTRA_KEY)) {
            extra.add(ShardJob.explained("open the generated set (" + GeneratedSet.EXTRA_KEY + ")", at, ctx.s3(),
                    () -> GeneratedSet.open(storage, at, GeneratedSet.EXTRA_KEY)));
        }
        if (!extra.isEmpty() && surrogates != null) {
            throw new ConfigError(GeneratedSet.EXTRA_KEY + " and " + copiesKey + " are both set: stored surrogates are made of"
                    + " the training shard set's own images, so train with one of them");
        }
        SparkSession spark = null;
        try (RunDirectory run = RunDirectory.create(storage, ctx.run(), config, name()).keepOnFailure()) {
            Checkpoints checkpoints = new Checkpoints(storage, run.resolve(Fingerprint.CHECKPOINTS));
            Optional<TrainingState> resumed = checkpoints.load();
            fingerprint.write(storage, checkpoints.dir());
            // a published shard set is reused only when it was made of this data, at this size, for these workers
            boolean reuse = false;
            if (RunDirectory.isPublished(storage, Storage.path(shardsAt))) {
                List<String> diff = ShardSet.open(storage, shardsAt).differences(manifest.hash(), embedding.input().height(),
                        embedding.input().width(), distributed.workers(), shardBy);
                if (diff.isEmpty()) {
                    reuse = true;
                } else if (!ctx.run().overwrite()) {
                    throw new ConfigError("the shard set " + shardsAt + " was made of other data or settings: "
                            + String.join("; ", diff) + ". Set reid.run.overwrite=true to make it again, or choose another"
                            + " reid.shard.output");
                } else {
                    LOG.info("making the shard set {} again (reid.run.overwrite): {}", shardsAt, String.join("; ", diff));
                }
            }
            spark = SparkSessions.create(ctx);
            SparkSession session = spark;
            if (reuse) {
                LOG.info("reusing the shard set {}", shardsAt);
            } else {
                ShardJob.publish(shardCtx, manifest, () -> session);
            }
            ShardSet shards = ShardSet.open(storage, shardsAt);
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            JavaRDD<Shard> train = shards.shards(spark, Split.TRAIN).persist(StorageLevel.MEMORY_ONLY());
            if (surrogates != null) {
                List<String> diff = surrogates.differences(shards);
                if (!diff.isEmpty()) {
                    throw new ConfigError("the surrogate set " + surrogates.location() + " (" + copiesKey + ") was not made"
                            + " from the training shard set " + shardsAt + ": " + String.join("; ", diff)
                            + ". Make it with: submit/reid augment --shards " + shardsAt);
                }
                JavaRDD<Shard> plain = train;
                train = surrogates.attach(spark, plain).persist(StorageLevel.MEMORY_ONLY());
                train.count(); // loads the copies once, before the plain shards go
                plain.unpersist();
                LOG.info("training with the stored surrogates of {} ({} per image)", surrogates.location(), surrogates.copies());
            }
            long extraImages = 0;
            for (GeneratedSet g : extra) {
                List<String> diff = g.differences(shards);
                if (!diff.isEmpty()) {
                    throw new ConfigError("the generated set " + g.location() + " (" + GeneratedSet.EXTRA_KEY + ") was not made"
                            + " from the training shard set " + shardsAt + ": " + String.join("; ", diff)
                            + ". Make it with: submit/reid generate --shards " + shardsAt + " --model <a DG-Net run>");
                }
                JavaRDD<Shard> plain = train;
                train = g.attach(spark, plain).persist(StorageLevel.MEMORY_ONLY());
                train.count(); // loads the generated images once, before the plain shards go
                plain.unpersist();
                extraImages += g.images();
                LOG.info("training with the {} generated images of {} as extra data", g.images(), g.location());
            }
            JavaRDD<Shard> query = shards.shards(spark, Split.QUERY).persist(StorageLevel.MEMORY_ONLY());
            JavaRDD<Shard> gallery = shards.shards(spark, Split.GALLERY).persist(StorageLevel.MEMORY_ONLY());

            Map<String, Object> initFrom = new java.util.LinkedHashMap<>();
            TrainingState state = resumed.orElseGet(() -> WarmStart.initialize(method, data, seed, storage, warm, initFrom));
            resumed.ifPresent(s -> LOG.info("resuming from {} at epoch {}", checkpoints.location(), s.epoch()));

            long images = manifest.train().size() + extraImages;
            int perWorker = (int) Math.ceil((double) images / train.getNumPartitions());
            int stepsPerEpoch = method.trainingInputs().sampling().stepsPerEpoch(perWorker);
            // periodic evaluation (reid.train.eval-every) between epochs; the final one follows training
            List<EpochLoop.EpochRecord> curve;
            try (ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, trainConfig, distributed, loader, checkpoints,
                    (s, epoch) -> epoch + 1 == trainConfig.epochs() ? Map.of()
                            : LocalTraining.asMap(evaluate(jsc, query, gallery, method, s, embedding, eval)))) {
                curve = trainer.train(method, data, seed, state, train, stepsPerEpoch);
            }
            // the final evaluation keeps its rank lists, per-query outcomes and camera pairs for the report
            EvaluationDetails details = RunReports.evaluate(jsc, query, gallery, method, state, embedding, eval,
                    ReportConfig.from(config));
            RankingMetrics m = details.metrics();

            // the baseline on what the evaluation used: the shard set's query and gallery, unreadable images skipped
            RankingMetrics baseline = SparkEmbedding.baseline(query, gallery, eval);
            int skipped = shards.info().path("splits").path("query").path("bad").asInt(0)
                    + shards.info().path("splits").path("gallery").path("bad").asInt(0);
            run.writeModels(state.trainedNetworks());
            Map<String, Object> metrics = new java.util.LinkedHashMap<>(m.toMap());
            Map<String, Object> base = new java.util.LinkedHashMap<>(baseline.toMap());
            base.put("skippedImages", skipped);
            metrics.put("colourHistogramBaseline", base);
            metrics.put("skippedImages", skipped);
            run.writeJson("metrics.json", metrics);
            run.writeJson("curve.json", curve);
            run.info("method", method.name()).info("data", manifest.summary()).info("shards", shardsAt)
                    .info("master", jsc.master()).info("workers", train.getNumPartitions())
                    .info("parameters", state.networks().parameterCount()).info("iterations", state.iteration());
            if (!extra.isEmpty()) {
                run.info("extraShards", extra.stream().map(g -> Map.of("set", g.location().toString(), "images", g.images())).toList());
            }
            if (surrogates != null) run.info("surrogates", Map.of("set", surrogates.location().toString(), "copies", surrogates.copies()));
            if (warm.isPresent()) run.info("initFrom", initFrom.isEmpty() ? Map.of("run", warm.get().location().toString(),
                    "runId", warm.get().runId(), "note", "resumed from this run's own checkpoint") : initFrom);
            RunReports.beforePublish(ctx, run, details, method);
            Path published = run.publish();
            ctx.out().printf("train: %s on %s with %d workers: Rank-1 %.4f, mAP %.4f, mINP %.4f (%d valid queries)%n%s"
                            + "colour-histogram baseline on the same split: Rank-1 %.4f, mAP %.4f, mINP %.4f%n%s"
                            + "%srun directory: %s%n", method.name(), manifest.dataset(), train.getNumPartitions(), m.rank(1),
                    m.mAP(), m.mINP(), m.validQueries(), m.otherLines(), baseline.rank(1), baseline.mAP(),
                    baseline.mINP(), baseline.otherLines(),
                    skipped > 0 ? skipped + " unreadable query or gallery images skipped by both (bad-images.csv of "
                            + shardsAt + ")\n" : "", published);
        } finally {
            if (spark != null) SparkSessions.stop(spark);
        }
        return 0;
    }

    /** The state's test network on query against gallery, embedded on the executors. */
    private static RankingMetrics evaluate(JavaSparkContext jsc, JavaRDD<Shard> query, JavaRDD<Shard> gallery, Method method,
                                           TrainingState state, SparkEmbedding.Settings embedding, EvalConfig eval) {
        return SparkEmbedding.evaluate(jsc, query, gallery, method.testNetwork(state.networks()),
                TestModel.of(method, state.networks()), embedding, eval, null);
    }

    /**
     * Each worker samples its batches from its own training shard, so a method that batches by identity needs P
     * identities in every shard: refused here, before a run directory or Spark starts, naming what to change (the
     * workers' sampler failed on it only after sharding, as a task failure).
     */
    static void requireIdentitiesPerWorker(org.reidspark.data.batch.TrainingInputs.Sampling sampling,
                                           org.reidspark.data.shard.ShardPlan plan, int workers) {
        int needed = sampling.identitiesPerBatch();
        if (needed == 0) return;
        List<Integer> perShard = plan.groups().stream().filter(g -> g.split() == Split.TRAIN)
                .map(org.reidspark.data.shard.ShardPlan.Group::identities).toList();
        int total = perShard.stream().mapToInt(Integer::intValue).sum();
        if (perShard.stream().allMatch(n -> n >= needed)) return;
        if (total < needed) {
            throw new ConfigError("the " + total + " training identities are fewer than the " + needed + " distinct identities"
                    + " each batch of " + sampling + " needs: lower reid.sampler.p");
        }
        throw new ConfigError("reid.distributed.workers = " + workers + " splits the " + total + " training identities into"
                + " shards of " + perShard + " identities, but each worker draws its " + sampling + " from its own shard,"
                + " which needs " + needed + " distinct identities (reid.sampler.p): use fewer workers (" + total + " identities"
                + " hold at most " + Math.max(1, total / needed) + "), or a smaller reid.sampler.p");
    }
}
