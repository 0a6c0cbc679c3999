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
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.Counterfactuals;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.data.synth.SynthGenerator;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.method.dgnet.DgNetGeneration;
import org.reidspark.method.dgnet.DgNetGroundTruth;
import org.reidspark.method.dgnet.DgNetMethod;
import org.reidspark.run.TrainedModel;

import java.util.List;
import java.util.Locale;

/**
 * {@code dgnet-generation}: a benchmark, not part of CI: a trained DG-Net generator on held-out test identities of the
 * synthetic benchmark against its counterfactual renders ({@link DgNetGroundTruth}; the ground truth is read for this
 * evaluation only): L1 of {@code G(a_i, s_j)} against the copy {@code x_j} and another person's clothes
 * {@code G(a_k, s_j)}, a frozen re-ID judge's assignments with their controls, and the grid picture. The model is a
 * published DG-Net run ({@code --model}), the judge a published run of another re-ID model trained on the same dataset
 * ({@code --judge}; not the DG-Net run's teacher). Publishes {@code <reid.run.output>/<reid.run.name>-generation/} with
 * {@code generation.json} and {@code grid.png}.
 */
public final class DgNetGenerationJob implements Job {
    static final String SUFFIX = "-generation";

    @Override
    public String name() {
        return "dgnet-generation";
    }

    @Override
    public String summary() {
        return "benchmark: a DG-Net generator against the synthetic counterfactual renders (L1, a frozen judge, controls), its grid";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--model", "RUN", "a published training run of DG-Net (its config gives data and settings)"),
                JobOption.plain("--judge", "RUN", "a published run of another re-ID model on the same dataset (not the teacher)"),
                JobOption.plain("--pairs", "N", "random (appearance, structure, other) triples of test images (default 300)"),
                JobOption.config("--output", "DIR", "reid.run.output", "base directory or URI for run directories"),
                JobOption.config("--name", "NAME", "reid.run.name", "run directory name (the output is <name>-generation)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Storage storage = ctx.storage();
        String model = ctx.args().plain("--model").orElseThrow(() -> new UsageError("give --model RUN (a published DG-Net run)"));
        String judgeRun = ctx.args().plain("--judge").orElseThrow(() -> new UsageError("give --judge RUN (a published re-ID run, not the teacher)"));
        int pairs = ctx.args().positiveInt("--pairs", 300);
        TrainedModel m = TrainedModel.open(storage, model);
        Config config = m.config();
        if (!(m.method() instanceof DgNetMethod dgnet)) {
            throw ConfigError.badValue("reid.method", config.getString("reid.method"), "dgnet (the model of --model must be a DG-Net run)");
        }
        TrainedModel judge = TrainedModel.open(storage, judgeRun);
        String teacher = dgnet.config().teacher();
        if (!teacher.isEmpty() && qualified(storage, teacher).equals(qualified(storage, judge.location().toString()))) {
            throw new UsageError("the judge " + judgeRun + " is the DG-Net run's teacher; give a separately trained run");
        }
        String dataset = config.getString("reid.data.dataset");
        if (!dataset.equals(SynthDatasets.NAME)) {
            throw new UsageError("the DG-Net run " + model + " trained on " + dataset + "; the counterfactual checks need the synthetic benchmark");
        }
        DataConfig data = SynthDatasets.resolve(config, storage);
        SynthConfig synth = SynthConfig.from(config);
        Config jc = judge.config();
        if (!jc.getString("reid.data.dataset").equals(SynthDatasets.NAME) || !sameDataset(storage, SynthConfig.from(jc), synth)) {
            throw new UsageError("the judge " + judgeRun + " did not train on the DG-Net run's synthetic dataset (" + synth.output() + ")");
        }
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        InputConfig input = InputConfig.from(config);
        InputConfig judgeInput = InputConfig.from(jc);
        EmbedConfig embed = EmbedConfig.from(config);
        DgNetGroundTruth.Judge j = new DgNetGroundTruth.Judge(new Embedder(judge.testNetwork(), judgeInput,
                ImageSource.decoding(storage, judgeInput), LoaderConfig.from(config), embed.batchSize(), true), judgeInput);
        RunConfig base = ctx.run();
        RunConfig runConfig = new RunConfig(base.name() + SUFFIX, base.output(), base.seed(), base.overwrite());
        try (RunDirectory run = RunDirectory.create(storage, runConfig, config, name()).keepOnFailure()) {
            Path grid = run.resolve("grid.png");
            ctx.out().printf(Locale.ROOT, "dgnet-generation: %s, judge %s, %d pairs on %s%n", model, judgeRun, pairs, manifest.dataset());
            DgNetGroundTruth.Report report = DgNetGroundTruth.evaluate(new DgNetGeneration(m.networks(), input), input, j, manifest,
                    new Counterfactuals(synth), storage, pairs, base.seed(), embed.batchSize(), grid,
                    done -> ctx.out().printf(Locale.ROOT, "  %d/%d pairs%n", done, pairs));
            run.writeJson("generation.json", report.toMap());
            run.info("method", DgNetMethod.NAME).info("data", manifest.summary()).info("model", model).info("judge", judgeRun);
            Path published = run.publish();
            ctx.out().print(report.summary());
            ctx.out().println("run directory: " + published);
        }
        return 0;
    }

    /**
     * Whether two runs' synthetic datasets are the same: the same generator parameters, in the same folder however it
     * is written (a relative and an absolute spelling of one folder are the same; they were refused as different).
     */
    static boolean sameDataset(Storage storage, SynthConfig a, SynthConfig b) {
        return a.variant() == b.variant() && qualified(storage, a.output()).equals(qualified(storage, b.output()))
                && SynthGenerator.parameters(a).equals(SynthGenerator.parameters(b));
    }

    private static String qualified(Storage storage, String location) {
        return storage.qualified(location).replaceAll("/+$", "");
    }
}
