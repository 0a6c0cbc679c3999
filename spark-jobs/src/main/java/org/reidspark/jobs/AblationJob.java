package org.reidspark.jobs;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.baseline.HistogramBaseline;
import org.reidspark.run.Ablation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ablation}: the configured method's ablation ({@link Ablation}; BoT: without BNNeck, label smoothing, random
 * erasing; DCR: matchings, K = 1..4, without its regularizers, BoT beside it), a benchmark, not part of CI: the
 * configured recipe and its variants, each trained and evaluated in this JVM as {@code train-local} does (no Spark),
 * one after the other with the same seeds, beside the colour-histogram baseline measured once on the same split.
 * Prints a markdown table (and each variant's per-seed difference from the recipe) and publishes
 * {@code <reid.run.output>/<reid.run.name>-ablation/} with {@code ablation.json} (the table's figures, per-seed
 * runs), {@code variants/} (each run's metrics and training curve), {@code checkpoints/}, {@code config.conf} and
 * {@code run.json}. Started again after an interruption, it reuses the finished runs.
 */
public final class AblationJob implements Job {
    static final String SUFFIX = "-ablation";

    @Override
    public String name() {
        return "ablation";
    }

    @Override
    public String summary() {
        return "benchmark: the method's ablation (BoT: no BNNeck, ...; DCR: matchings, K = 1..4, BoT beside it) beside the baseline";
    }

    @Override
    public List<JobOption> options() {
        List<JobOption> options = new ArrayList<>(TrainLocalJob.TRAINING_OPTIONS);
        options.add(JobOption.plain("--variants", "A,B", "variants to run, comma-separated: all (default) or, for bot, "
                + String.join(", ", Ablation.names("bot")) + "; for dcr, " + String.join(", ", Ablation.names("dcr"))));
        options.add(JobOption.plain("--repeats", "N", "seeds per variant (reid.run.seed, +1, ...), figures averaged (default 1)"));
        return List.copyOf(options);
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        String method = ctx.config().getString("reid.method");
        List<Ablation.Variant> variants = Ablation.select(method, ctx.args().plain("--variants").orElse("all"));
        int repeats = ctx.args().positiveInt("--repeats", 1);
        RunConfig base = ctx.run();
        RunConfig runConfig = new RunConfig(base.name() + SUFFIX, base.output(), base.seed(), base.overwrite());
        List<Long> seeds = Ablation.seeds(base.seed(), repeats);
        Storage storage = ctx.storage();
        DataConfig data = SynthDatasets.resolve(ctx.config(), storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        try (RunDirectory run = RunDirectory.create(storage, runConfig, ctx.config(), name()).keepOnFailure()) {
            RankingMetrics baseline = HistogramBaseline.evaluate(manifest, storage, EvalConfig.from(ctx.config()).protocol());
            ctx.out().printf(Locale.ROOT, "ablation: colour-histogram baseline: Rank-1 %.4f, mAP %.4f, mINP %.4f%n",
                    baseline.rank(1), baseline.mAP(), baseline.mINP());
            List<Ablation.Row> rows = Ablation.run(ctx.config(), manifest, storage, variants, seeds, run.work(),
                    r -> ctx.out().printf(Locale.ROOT, "ablation: %s, seed %d: Rank-1 %.4f, mAP %.4f, mINP %.4f, %.1f min%s%n",
                            r.variant(), r.seed(), r.rank1(), r.mAP(), r.mINP(), r.minutes(),
                            r.reused() ? " (reused from an earlier attempt)" : ""));
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("method", method);
            report.put("dataset", manifest.dataset());
            report.put("epochs", ctx.config().getInt("reid.train.epochs"));
            report.put("seeds", seeds);
            report.put("baseline", baseline.toMap());
            report.put("variants", rows.stream().map(Ablation.Row::toMap).toList());
            run.writeJson("ablation.json", report);
            String paired = Ablation.pairedTable(rows);
            run.writeString("ablation.md", Ablation.table(rows, baseline) + (paired.isEmpty() ? "" : "\n" + paired));
            run.info("method", method).info("data", manifest.summary()).info("variants", variants.stream().map(Ablation.Variant::name).toList()).info("seeds", seeds);
            Path published = run.publish();
            ctx.out().printf(Locale.ROOT, "ablation: %s on %s, %d epochs, seeds %s%n", method, manifest.dataset(),
                    ctx.config().getInt("reid.train.epochs"), seeds);
            ctx.out().print(Ablation.table(rows, baseline));
            if (!paired.isEmpty()) ctx.out().print("\n" + paired);
            ctx.out().println("run directory: " + published);
        }
        return 0;
    }
}
