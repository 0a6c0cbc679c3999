package org.reidspark.run;

import com.typesafe.config.Config;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.EvaluationDetails;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Labels;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.TestFeatures;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.report.ReportConfig;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.EpochLoop;
import org.reidspark.train.InputBatches;
import org.reidspark.train.LocalTrainer;
import org.reidspark.train.TrainConfig;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole training run in one JVM, as {@code submit/reid train-local} does it: the configured method
 * ({@link Methods#of}) on a manifest's train split with the batches its {@link Method#trainingInputs()} declare,
 * the {@link LocalTrainer} with checkpoints (resumed when present), and evaluation of the query split against the
 * gallery split with the method's test network and matching rule in the evaluation engine.
 */
public final class LocalTraining {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTraining.class);

    /**
     * What a run produced.
     *
     * @param details the final evaluation with its rank lists, per-query outcomes and camera pairs (for the report)
     */
    public record Result(Method method, TrainingState state, List<EpochLoop.EpochRecord> curve, RankingMetrics metrics,
                         EvaluationDetails details) {
    }

    private LocalTraining() {
    }

    /**
     * @param checkpoints where to keep (and find) checkpoints; null for none
     */
    public static Result run(Config config, Manifest manifest, Storage storage, Checkpoints checkpoints) throws IOException {
        return run(config, manifest, storage, checkpoints, WarmStart.source(config, Methods.of(config), storage));
    }

    /**
     * @param checkpoints where to keep (and find) checkpoints; null for none
     * @param warmStart   the model a fresh run starts from ({@link WarmStart}), whatever {@value WarmStart#KEY} says
     *                    (an ablation's variant that starts from another's checkpoint); ignored when resuming
     */
    public static Result run(Config config, Manifest manifest, Storage storage, Checkpoints checkpoints,
                             Optional<TrainedModel> warmStart) throws IOException {
        long seed = config.getLong("reid.run.seed");
        Method method = Methods.of(config);
        String copies = method.trainingInputs().copies();
        if (!copies.isEmpty()) {
            throw new ConfigError("training in one JVM reads no stored surrogates (" + method.config().section()
                    + ".surrogates = " + copies + "): train with the train job (Spark), or leave it empty to make each"
                    + " surrogate in the batch loader");
        }
        List<String> extra = config.getStringList("reid.data.extra-shards");
        if (!extra.isEmpty()) {
            throw new ConfigError("training in one JVM reads no generated sets (reid.data.extra-shards = " + extra
                    + "): train with the train job (Spark), which adds them to its training shards");
        }
        TrainConfig trainConfig = TrainConfig.from(config);
        LoaderConfig loaderConfig = LoaderConfig.from(config);
        EvalConfig evalConfig = EvalConfig.from(config);
        InputConfig input = InputConfig.from(config);
        EmbedConfig embed = EmbedConfig.from(config);
        TrainingData data = TrainingData.of(manifest);
        data.requireLabelsIfUsed(method);
        Optional<TrainingState> resumed = checkpoints == null ? Optional.empty() : checkpoints.load();
        if (checkpoints != null) {
            Fingerprint.checkAndRecord(storage, checkpoints.dir(), Fingerprint.of(config, method, manifest, List.of()),
                    resumed.isPresent(), config.getBoolean("reid.run.resume-with-changes"), "run " + checkpoints.dir().getParent());
        }
        TrainingState state;
        if (resumed.isPresent()) {
            state = resumed.get();
            LOG.info("resuming from checkpoint {} at epoch {} (iteration {})", checkpoints.location(), state.epoch(), state.iteration());
        } else {
            state = WarmStart.initialize(method, data, seed, storage, warmStart, new java.util.HashMap<>());
        }
        ImageSource images = ImageSource.cached(ImageSource.decoding(storage, input));
        List<Sample> train = new ArrayList<>();
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < manifest.samples().size(); i++) {
            if (manifest.samples().get(i).split() == Split.TRAIN) {
                train.add(manifest.samples().get(i));
                keys.add((long) i);
            }
        }
        EpochLoop.Evaluator evaluator = (s, epoch) -> asMap(evaluate(method, s, manifest, input, images, loaderConfig, embed, evalConfig));
        List<EpochLoop.EpochRecord> curve;
        try (InputBatches source = new InputBatches(method.trainingInputs(), train, keys.stream().mapToLong(Long::longValue).toArray(),
                images, loaderConfig, seed)) {
            LOG.info("training {} on {} images of {} identities: {} epochs of {} batches of {}", method.name(), train.size(),
                    data.identities(), trainConfig.epochs(), source.batchesPerEpoch(), source.batchSize());
            curve = new LocalTrainer(trainConfig, seed, checkpoints, evaluator)
                    .train(state, method.step(data, seed), method.learningRates(), source);
        }
        EvaluationDetails details = evaluateInDetail(embedder(method, state, input, images, loaderConfig, embed), manifest,
                evalConfig, ReportConfig.from(config).topK());
        return new Result(method, state, curve, details.metrics(), details);
    }

    /**
     * The metrics a training curve records at an evaluation: {@code mAP}, {@code rank1}, {@code mINP} of the headline
     * protocol, and {@code <protocol>.mAP} and so on for each other protocol evaluated.
     */
    public static Map<String, Double> asMap(RankingMetrics m) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        out.put("mAP", m.mAP());
        out.put("rank1", m.rank(1));
        out.put("mINP", m.mINP());
        for (RankingMetrics o : m.others()) {
            String p = o.protocol().configName() + ".";
            out.put(p + "mAP", o.mAP());
            out.put(p + "rank1", o.rank(1));
            out.put(p + "mINP", o.mINP());
        }
        return out;
    }

    static RankingMetrics evaluate(Method method, TrainingState state, Manifest manifest, InputConfig input, ImageSource images,
                                   LoaderConfig loader, EmbedConfig embed, EvalConfig evalConfig) {
        return evaluate(embedder(method, state, input, images, loader, embed), manifest, evalConfig);
    }

    private static Embedder embedder(Method method, TrainingState state, InputConfig input, ImageSource images,
                                     LoaderConfig loader, EmbedConfig embed) {
        return new Embedder(method.testNetwork(state.networks()), input, images, loader, embed.batchSize(), embed.flip());
    }

    /** Embeds the manifest's query and gallery splits and ranks one against the other with the network's matching rule. */
    public static RankingMetrics evaluate(Embedder embedder, Manifest manifest, EvalConfig evalConfig) {
        List<Sample> query = queryOf(manifest);
        List<Sample> gallery = manifest.gallery();
        TestFeatures q = embedder.embed("query", query);
        TestFeatures g = embedder.embed("gallery", gallery);
        return Evaluator.evaluate(q, g, embedder.network().matching(evalConfig.metric()), Labels.of("query", query),
                Labels.of("gallery", gallery), evalConfig, null);
    }

    /**
     * The final evaluation: as {@link #evaluate(Embedder, Manifest, EvalConfig)}, keeping what the run's report reads
     * ({@link EvaluationDetails}: top-{@code topK} rank lists, per-query outcomes, camera pairs); the keys are the
     * samples' indices in the manifest.
     */
    static EvaluationDetails evaluateInDetail(Embedder embedder, Manifest manifest, EvalConfig evalConfig, int topK) {
        List<Sample> query = queryOf(manifest);
        List<Sample> gallery = manifest.gallery();
        java.util.IdentityHashMap<Sample, Long> keys = new java.util.IdentityHashMap<>();
        for (int i = 0; i < manifest.samples().size(); i++) keys.put(manifest.samples().get(i), (long) i);
        return EvaluationDetails.compute(embedder.embed("query", query), embedder.embed("gallery", gallery),
                embedder.network().matching(evalConfig.metric()), EvaluationDetails.items(query, keys::get),
                EvaluationDetails.items(gallery, keys::get), evalConfig, topK);
    }

    /** The manifest's query split; fails unless it has a query and a gallery split. */
    private static List<Sample> queryOf(Manifest manifest) {
        if (manifest.query().isEmpty() || manifest.gallery().isEmpty()) {
            throw new IllegalArgumentException("dataset " + manifest.dataset() + " at " + manifest.root()
                    + " has no query or no gallery split to evaluate on");
        }
        return manifest.query();
    }
}
