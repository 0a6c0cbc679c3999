package org.reidspark.jobs;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import com.typesafe.config.Config;
import org.reidspark.config.ConfigError;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.baseline.HistogramBaseline;
import org.reidspark.data.Sample;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Labels;
import org.reidspark.eval.OutfitProbe;
import org.reidspark.eval.baseline.ColorHistogramEmbedder;
import org.reidspark.method.Methods;
import org.reidspark.run.Ablation;
import org.reidspark.run.Ablations;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ablation}: a method's ablation ({@link Ablation}; the variants of each method in {@link Ablations}), a
 * benchmark, not part of CI: the configured recipe ({@code reid.method}) and its variants (BoT: without BNNeck, without
 * label smoothing, without random erasing; CAL: without the clothes losses, and with clothes labels shuffled within
 * identity; DCR: its matchings, K = 1..4, without its regularizers, BoT beside it; PAUL: the source model, the adaptation
 * and its ablations, supervised BoT on the target), each trained and evaluated in this JVM as {@code train-local} does (no Spark), seed by seed, beside the
 * colour-histogram baseline measured once on the same split under every protocol of {@code reid.eval}. Where the test
 * images have clothes labels, every run's test features (and the histograms) get the outfit probe. Prints markdown
 * tables and publishes {@code <reid.run.output>/<reid.run.name>-ablation/} with {@code ablation.json} (the tables'
 * figures, per-seed runs), {@code ablation.md}, {@code variants/} (each run's metrics, probe and training curve),
 * {@code checkpoints/}, {@code config.conf} and {@code run.json}. Started again after an interruption, it reuses the
 * finished runs. For a fixed thread count, set {@code OMP_NUM_THREADS} (recorded in {@code ablation.json}).
 */
public final class AblationJob implements Job {
    static final String SUFFIX = "-ablation";

    @Override
    public String name() {
        return "ablation";
    }

    @Override
    public String summary() {
        return "benchmark: a method's recipe against its variants (BoT: its tricks removed; CAL: without clothes losses, controls; DCR: matchings, parts, BoT)";
    }

    @Override
    public List<JobOption> options() {
        List<JobOption> options = new ArrayList<>(TrainLocalJob.TRAINING_OPTIONS);
        options.add(JobOption.plain("--variants", "A,B", "variants to run, comma-separated: all (default) or the method's: "
                + String.join("; ", Ablations.METHODS.stream().map(m -> m + ": " + String.join(", ", Ablations.of(m).names())).toList())));
        options.add(JobOption.plain("--repeats", "N", "seeds per variant (reid.run.seed, +1, ...), figures averaged (default 1)"));
        return List.copyOf(options);
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Ablation.Spec spec = Ablations.of(ctx.config().getString("reid.method"));
        List<Ablation.Variant> variants = spec.select(ctx.args().plain("--variants").orElse("all"));
        int repeats = ctx.args().positiveInt("--repeats", 1);
        for (Ablation.Variant v : variants) { // every variant's settings are valid, before any work
            Config c = v.trainingConfig(ctx.config());
            org.reidspark.method.Method m = Methods.of(c);
            if (DataConfig.from(c).trainLabels() == DataConfig.TrainLabels.NONE && m.trainingInputs().sampling().usesLabels()) {
                throw new ConfigError("ablation variant " + v.name() + " trains " + m.name() + ", which forms its batches by"
                        + " identity, on training images read without their persons (reid.data.train-labels = none)");
            }
        }
        RunConfig base = ctx.run();
        RunConfig runConfig = new RunConfig(base.name() + SUFFIX, base.output(), base.seed(), base.overwrite());
        List<Long> seeds = Ablation.seeds(base.seed(), repeats);
        Storage storage = ctx.storage();
        Ablation.Datasets datasets = c -> {
            DataConfig d = SynthDatasets.resolve(c, storage);
            return Catalogs.of(d).read(storage, d.root());
        };
        // the target is read with its persons when a variant trains with them there (BoT beside PAUL's adaptation);
        // a variant that trains without them gets the training split stripped (Ablation), never the labels
        boolean labelled = variants.stream().anyMatch(v -> !v.onSource()
                && DataConfig.from(v.trainingConfig(ctx.config())).trainLabels() == DataConfig.TrainLabels.READ);
        Manifest manifest = datasets.read(labelled ? ctx.config().withValue("reid.data.train-labels",
                com.typesafe.config.ConfigValueFactory.fromAnyRef("read")) : ctx.config());
        EvalConfig eval = EvalConfig.from(ctx.config());
        try (RunDirectory run = RunDirectory.create(storage, runConfig, ctx.config(), name()).keepOnFailure()) {
            RankingMetrics baseline = HistogramBaseline.evaluate(manifest, storage, eval);
            OutfitProbe.Result baselineProbe = null;
            if (Ablation.probes(manifest)) {
                List<Sample> test = new ArrayList<>(manifest.query());
                test.addAll(manifest.gallery());
                baselineProbe = OutfitProbe.of(Embeddings.of("colour histograms", new ColorHistogramEmbedder().embed(test, storage)),
                        Labels.of("test", test));
            }
            for (RankingMetrics b : baseline.all()) {
                ctx.out().printf(Locale.ROOT, "ablation: colour-histogram baseline, %s%n", b.line());
            }
            if (baselineProbe != null) {
                ctx.out().printf(Locale.ROOT, "ablation: colour-histogram outfit probe: accuracy %.4f (chance %.4f)%n",
                        baselineProbe.accuracy(), baselineProbe.chance());
            }
            List<Ablation.Row> rows = Ablation.run(ctx.config(), manifest, storage, variants, seeds, run.work(), datasets,
                    r -> ctx.out().printf(Locale.ROOT, "ablation: %s, seed %d: %s%s, %.1f min%s%n", r.variant(), r.seed(),
                            String.join("; ", r.protocols().stream().map(f -> String.format(Locale.ROOT,
                                    "%s Rank-1 %.4f, mAP %.4f, mINP %.4f", f.protocol(), f.rank1(), f.mAP(), f.mINP())).toList()),
                            r.probe() == null ? "" : String.format(Locale.ROOT, "; outfit probe %.4f", r.probeAccuracy()),
                            r.minutes(), r.reused() ? " (reused from an earlier attempt)" : ""));
            String method = spec.method();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("method", method);
            report.put("dataset", manifest.dataset());
            report.put("epochs", ctx.config().getInt("reid.train.epochs"));
            report.put("seeds", seeds);
            report.put("reference", spec.reference());
            if (variants.stream().anyMatch(Ablation.Variant::onSource)) {
                report.put("source", ctx.config().getConfig(Ablation.SOURCE).root().unwrapped());
            }
            report.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
            report.put("baseline", baseline.toMap());
            if (baselineProbe != null) report.put("baselineProbe", baselineProbe.toMap());
            report.put("variants", rows.stream().map(Ablation.Row::toMap).toList());
            String table = Ablation.table(rows, spec.reference(), baseline, baselineProbe);
            run.writeJson("ablation.json", report);
            run.writeString("ablation.md", table);
            run.info("method", method).info("data", manifest.summary())
                    .info("variants", variants.stream().map(Ablation.Variant::name).toList()).info("seeds", seeds);
            Path published = run.publish();
            ctx.out().printf(Locale.ROOT, "ablation: %s on %s, %d epochs, seeds %s%n", method, manifest.dataset(),
                    ctx.config().getInt("reid.train.epochs"), seeds);
            ctx.out().print(table);
            ctx.out().println("run directory: " + published);
        }
        return 0;
    }
}
