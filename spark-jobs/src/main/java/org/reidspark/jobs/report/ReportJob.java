package org.reidspark.jobs.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.report.ReportConfig;
import org.reidspark.report.RunArtifacts;
import org.reidspark.report.RunReport;

import java.io.IOException;
import java.util.List;

/**
 * {@code report}: makes (or remakes) the report of a published training run or evaluation, {@code <run>/report/index.html},
 * from its artifacts alone (local or {@code s3a://}); no Spark is started. The train, train-local and evaluate jobs
 * write it themselves unless {@code reid.report.enabled} is off.
 */
public final class ReportJob implements Job {
    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "make the HTML report of a published run or evaluation (report/index.html)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--run", "PATH", "the published training run or evaluation (local path or URI)"),
                JobOption.config("--rank-list-queries", "N", "reid.report.rank-list-queries",
                        "queries drawn for each of the best, median and worst by AP"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Storage storage = ctx.storage();
        Path dir = Storage.path(ctx.args().require(this, "--run"));
        if (!RunDirectory.isPublished(storage, dir)) {
            throw new IOException(dir + " is not a published run or evaluation (no " + RunDirectory.MARKER + " marker)");
        }
        RunReport.Result r = RunReport.publish(storage, dir, RunReports.sections(ReportConfig.from(ctx.config()),
                method(storage, dir)));
        ctx.out().printf("report: %d sections, %d charts, %d images%s: %s%n", r.sections().size(), r.figures(), r.images(),
                r.unreadableImages() > 0 ? " (" + r.unreadableImages() + " images unreadable)" : "", r.index());
        return 0;
    }

    /** The method of the run (or of the model an evaluation evaluated), with the run's settings: its sections. */
    static Method method(Storage storage, Path dir) throws IOException {
        String name = RunArtifacts.read(storage, dir).method();
        Config run = ConfigFactory.parseString(storage.readString(new Path(dir, "config.conf")))
                .withFallback(ConfigLoader.reference()).resolve()
                .withValue("reid.method", ConfigValueFactory.fromAnyRef(name));
        return Methods.of(run);
    }
}
