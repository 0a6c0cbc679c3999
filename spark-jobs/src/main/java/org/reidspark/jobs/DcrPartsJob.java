package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Manifest;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.method.Methods;
import org.reidspark.method.dcr.DcrConfig;
import org.reidspark.method.dcr.DcrGroundTruth;
import org.reidspark.method.dcr.DcrMethod;
import org.reidspark.run.TrainedModel;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

import java.util.List;
import java.util.Locale;

/**
 * {@code dcr-parts}: a benchmark, not part of CI: whether a trained DCR model's parts are real, against the synthetic
 * benchmark's ground truth ({@link DcrGroundTruth}; the masks and {@code synth.json} are read for this evaluation
 * only): foreground IoU beside the mean-mask prior, the stripes' rows and spread, the lowest part's visibility against
 * the true lower-body visibility (Spearman), and a contact sheet of occluded queries. The model is a published run
 * ({@code --model}: its own config gives the data and settings) or a training checkpoint ({@code --checkpoint}, such
 * as an ablation's {@code checkpoints/full/seed-1}, read with this job's config). Publishes
 * {@code <reid.run.output>/<reid.run.name>-parts/} with {@code parts.json} and {@code contact-sheet.png}.
 */
public final class DcrPartsJob implements Job {
    static final String SUFFIX = "-parts";

    @Override
    public String name() {
        return "dcr-parts";
    }

    @Override
    public String summary() {
        return "benchmark: a DCR model's foreground, stripes and visibility against the synthetic ground truth, a contact sheet";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--model", "RUN", "a published training run of DCR (its config gives data and settings)"),
                JobOption.plain("--checkpoint", "DIR", "or a training checkpoint directory, read with this job's config"),
                JobOption.plain("--queries", "N", "occluded queries on the contact sheet (default 12)"),
                JobOption.config("--output", "DIR", "reid.run.output", "base directory or URI for run directories"),
                JobOption.config("--name", "NAME", "reid.run.name", "run directory name (the output is <name>-parts)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Storage storage = ctx.storage();
        String model = ctx.args().plain("--model").orElse("");
        String checkpoint = ctx.args().plain("--checkpoint").orElse("");
        if (model.isEmpty() == checkpoint.isEmpty()) throw new UsageError("give exactly one of --model RUN and --checkpoint DIR");
        int queries = ctx.args().positiveInt("--queries", 12);
        Config config;
        NetworkSet networks;
        if (!model.isEmpty()) {
            TrainedModel m = TrainedModel.open(storage, model);
            config = m.config();
            networks = m.networks();
        } else {
            config = ctx.config();
            TrainingState state = new Checkpoints(storage, Storage.path(checkpoint)).load()
                    .orElseThrow(() -> new UsageError("no checkpoint in " + checkpoint));
            networks = state.networks();
        }
        if (!(Methods.of(config) instanceof DcrMethod dcr)) {
            throw ConfigError.badValue("reid.method", config.getString("reid.method"), "dcr (the checks read DCR's parts)");
        }
        DcrConfig dcrConfig = dcr.config();
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        RunConfig base = ctx.run();
        RunConfig runConfig = new RunConfig(base.name() + SUFFIX, base.output(), base.seed(), base.overwrite());
        try (RunDirectory run = RunDirectory.create(storage, runConfig, config, name()).keepOnFailure()) {
            Path sheet = run.resolve("contact-sheet.png");
            DcrGroundTruth.Report report = DcrGroundTruth.evaluate(dcrConfig, networks, manifest, storage, LoaderConfig.from(config),
                    EmbedConfig.from(config).batchSize(), queries, sheet);
            run.writeJson("parts.json", report.toMap());
            run.info("method", "dcr").info("data", manifest.summary()).info("model", model.isEmpty() ? checkpoint : model);
            Path published = run.publish();
            ctx.out().printf(Locale.ROOT, "dcr-parts: %s on %s%n", model.isEmpty() ? checkpoint : model, manifest.dataset());
            ctx.out().print(report.summary());
            ctx.out().println("run directory: " + published);
        }
        return 0;
    }
}
