package org.reidspark.train;

import com.typesafe.config.Config;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.IdentitySampler;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.EvaluationDetails;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Labels;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.Method;
import org.reidspark.method.MethodSetup;
import org.reidspark.method.Methods;
import org.reidspark.report.ReportConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A whole training run in one JVM, as {@code submit/reid train-local} does it: the configured method
 * ({@code reid.method}) on a manifest's train split with P x K batches and augmentation, the
 * {@link LocalTrainer} with checkpoints (resumed when present), and evaluation of the query split against
 * the gallery split with the evaluation engine.
 */
public final class LocalTraining {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTraining.class);

    /**
     * What a run produced.
     *
     * @param details the final evaluation with its rank lists, per-query outcomes and camera pairs (for the report)
     */
    public record Result(Method method, TrainingState state, List<LocalTrainer.EpochRecord> curve, RankingMetrics metrics,
                         EvaluationDetails details) {
    }

    private LocalTraining() {
    }

    /**
     * @param checkpoints where to keep (and find) checkpoints; null for none
     */
    public static Result run(Config config, Manifest manifest, Storage storage, Checkpoints checkpoints) throws IOException {
        long seed = config.getLong("reid.run.seed");
        Method method = Methods.byName(config.getString("reid.method"));
        MethodSetup setup = new MethodSetup(config, manifest.trainIdentities(), manifest.clothesClasses(), seed, storage);
        Optional<TrainingState> resumed = checkpoints == null ? Optional.empty() : checkpoints.load();
        TrainingState state;
        if (resumed.isPresent()) {
            state = resumed.get();
            LOG.info("resuming from checkpoint {} at epoch {} (iteration {})", checkpoints.location(), state.epoch(), state.iteration());
        } else {
            state = method.initialize(setup);
        }
        InputConfig input = InputConfig.from(config);
        ImageSource images = ImageSource.cached(ImageSource.decoding(storage, input));
        List<Sample> train = manifest.train();
        IdentitySampler sampler = IdentitySampler.of(train, SamplerConfig.from(config), seed);
        LoaderConfig loaderConfig = LoaderConfig.from(config);
        TrainConfig trainConfig = TrainConfig.from(config);
        EvalConfig evalConfig = EvalConfig.from(config);
        LocalTrainer.Evaluator evaluator = (s, epoch) -> evaluate(method, s, manifest, config, images, evalConfig).asMetrics();
        List<LocalTrainer.EpochRecord> curve;
        try (SampledBatchSource source = new SampledBatchSource(sampler, new BatchLoader(train, images,
                new Augmentation(input, AugmentConfig.from(config)), loaderConfig, seed))) {
            LOG.info("training {} on {} images of {} identities: {} epochs of {} batches of {}",
                    method.name(), train.size(), manifest.trainIdentities(), trainConfig.epochs(),
                    source.batchesPerEpoch(), sampler.batchSize());
            curve = new LocalTrainer(trainConfig, seed, checkpoints, evaluator)
                    .train(state, method.step(setup), method.baseLearningRates(setup), source);
        }
        EvaluationDetails details = evaluateInDetail(method, state, manifest, config, images, evalConfig);
        return new Result(method, state, curve, details.metrics(), details);
    }

    /** Metrics plus their flat map for the training curve. */
    record Evaluation(RankingMetrics metrics) {
        java.util.Map<String, Double> asMetrics() {
            return java.util.Map.of("mAP", metrics.mAP(), "rank1", metrics.rank(1), "mINP", metrics.mINP());
        }
    }

    static Evaluation evaluate(Method method, TrainingState state, Manifest manifest, Config config, ImageSource images,
                               EvalConfig evalConfig) {
        return new Evaluation(evaluate(embedder(method, state, config, images), manifest, evalConfig));
    }

    /**
     * The final evaluation: as {@link #evaluate(Embedder, Manifest, EvalConfig)}, keeping what the run's report reads
     * ({@link EvaluationDetails}: top-{@code reid.report.top-k} rank lists, per-query outcomes, camera pairs); the keys
     * are the samples' indices in the manifest.
     */
    static EvaluationDetails evaluateInDetail(Method method, TrainingState state, Manifest manifest, Config config,
                                              ImageSource images, EvalConfig evalConfig) {
        Embedder embedder = embedder(method, state, config, images);
        List<Sample> query = queryOf(manifest);
        List<Sample> gallery = manifest.gallery();
        java.util.IdentityHashMap<Sample, Long> keys = new java.util.IdentityHashMap<>();
        for (int i = 0; i < manifest.samples().size(); i++) keys.put(manifest.samples().get(i), (long) i);
        return EvaluationDetails.compute(embedder.embed(query), embedder.embed(gallery),
                EvaluationDetails.items(query, keys::get), EvaluationDetails.items(gallery, keys::get), evalConfig,
                ReportConfig.from(config).topK());
    }

    private static Embedder embedder(Method method, TrainingState state, Config config, ImageSource images) {
        return new Embedder(method.inferenceNetwork(state), InputConfig.from(config), images,
                LoaderConfig.from(config), config.getInt("reid.embed.batch-size"), config.getBoolean("reid.embed.flip"));
    }

    /** The manifest's query split; fails unless it has a query and a gallery split. */
    private static List<Sample> queryOf(Manifest manifest) {
        if (manifest.query().isEmpty() || manifest.gallery().isEmpty()) {
            throw new IllegalArgumentException("dataset " + manifest.dataset() + " at " + manifest.root()
                    + " has no query or no gallery split to evaluate on");
        }
        return manifest.query();
    }

    /** Embeds the manifest's query and gallery splits and ranks one against the other. */
    public static RankingMetrics evaluate(Embedder embedder, Manifest manifest, EvalConfig evalConfig) {
        List<Sample> query = queryOf(manifest);
        List<Sample> gallery = manifest.gallery();
        return Evaluator.evaluate(embedder.embed(query), embedder.embed(gallery), labels("query", query),
                labels("gallery", gallery), evalConfig);
    }

    /** Evaluation labels (pid, camera, clothes) of samples ({@link Labels#of(String, List)}). */
    public static Labels labels(String source, List<Sample> samples) {
        return Labels.of(source, samples);
    }
}
