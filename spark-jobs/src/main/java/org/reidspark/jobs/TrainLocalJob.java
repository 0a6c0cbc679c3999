package org.reidspark.jobs;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.jobs.report.RunReports;
import org.reidspark.train.Checkpoints;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.run.Fingerprint;
import org.reidspark.run.LocalTraining;

import java.util.List;
import java.util.Map;

/**
 * {@code train-local}: trains the configured method in this JVM (no Spark), evaluates it on the dataset's
 * query and gallery, and publishes a run directory: {@code model/<network>.zip} (DL4J), {@code checkpoints/},
 * {@code config.conf}, {@code run.json}, {@code metrics.json}, {@code curve.json}.
 */
public final class TrainLocalJob implements Job {
    @Override
    public String name() {
        return "train-local";
    }

    @Override
    public String summary() {
        return "train a method in one JVM (no Spark), evaluate, publish a run directory";
    }

    /** The options every training job takes (train adds --workers). */
    static final List<JobOption> TRAINING_OPTIONS = List.of(
            JobOption.config("--method", "NAME", "reid.method", "method to train (" + String.join(", ", org.reidspark.method.Methods.NAMES) + ")"),
            JobOption.config("--dataset", "NAME", "reid.data.dataset", "dataset layout (catalog name)"),
            JobOption.config("--root", "DIR", "reid.data.root", "dataset root (local path or URI)"),
            JobOption.config("--epochs", "N", "reid.train.epochs", "epochs to train"),
            JobOption.config("--output", "DIR", "reid.run.output", "base directory or URI for run directories"),
            JobOption.config("--name", "NAME", "reid.run.name", "run directory name"));

    @Override
    public List<JobOption> options() {
        return TRAINING_OPTIONS;
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Method method = Methods.of(ctx.config()); // a bad method setting fails before any data is read
        Storage storage = ctx.storage();
        DataConfig data = SynthDatasets.resolve(ctx.config(), storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        // a stopped run resumes only with what it was trained with (its fingerprint), checked before anything is written
        Fingerprint.checkStopped(storage, ctx.run(), Fingerprint.of(ctx.config(), method, manifest, List.of()),
                ctx.config().getBoolean("reid.run.resume-with-changes"));
        try (RunDirectory run = RunDirectory.create(storage, ctx.run(), ctx.config(), name()).keepOnFailure()) {
            LocalTraining.Result result = LocalTraining.run(ctx.config(), manifest, storage,
                    new Checkpoints(storage, run.resolve(Fingerprint.CHECKPOINTS)));
            run.writeModels(result.state().trainedNetworks());
            RankingMetrics m = result.metrics();
            run.writeJson("metrics.json", m.toMap());
            run.writeJson("curve.json", result.curve());
            run.info("method", result.method().name()).info("data", manifest.summary())
                    .info("parameters", result.state().networks().parameterCount())
                    .info("iterations", result.state().iteration());
            RunReports.beforePublish(ctx, run, result.details(), result.method());
            Path published = run.publish();
            ctx.out().printf("train-local: %s on %s: Rank-1 %.4f, mAP %.4f, mINP %.4f (%d valid queries)%n"
                            + "%srun directory: %s%n", result.method().name(), manifest.dataset(), m.rank(1), m.mAP(), m.mINP(),
                    m.validQueries(), m.otherLines(), published);
        }
        return 0;
    }
}
