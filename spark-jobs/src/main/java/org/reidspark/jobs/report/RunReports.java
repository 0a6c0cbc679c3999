package org.reidspark.jobs.report;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.shard.Shard;
import org.reidspark.eval.EvalConfig;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.EvaluationDetails;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.evaluate.RankListRows;
import org.reidspark.jobs.evaluate.SparkEmbedding;
import org.reidspark.method.Method;
import org.reidspark.report.ReportConfig;
import org.reidspark.report.ReportSection;
import org.reidspark.report.RunReport;
import org.reidspark.run.TestModel;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the train, train-local and evaluate jobs do for their report, in two calls: {@link #evaluate} (the train job's
 * final evaluation, keeping its {@link EvaluationDetails}) and {@link #beforePublish} (the details and the report
 * written into the run before it is published, so they arrive with it).
 */
public final class RunReports {
    private static final Logger LOG = LoggerFactory.getLogger(RunReports.class);

    private RunReports() {
    }

    /**
     * Query shards against gallery shards, embedded on the executors with the method's test network
     * ({@link SparkEmbedding}) and evaluated under {@code reid.eval} with its matching rule on the driver, keeping the
     * top-{@code reid.report.top-k} rank lists, per-query outcomes and camera pairs. Its metrics equal
     * {@link SparkEmbedding#evaluate}'s.
     */
    public static EvaluationDetails evaluate(JavaSparkContext jsc, JavaRDD<Shard> query, JavaRDD<Shard> gallery, Method method,
                                             TrainingState state, SparkEmbedding.Settings settings, EvalConfig eval,
                                             ReportConfig report) {
        TestNetwork local = method.testNetwork(state.networks());
        TestModel model = TestModel.of(method, state.networks());
        List<SparkEmbedding.Embedded> q;
        List<SparkEmbedding.Embedded> g;
        try (SparkProgress p = SparkProgress.open(jsc.sc(), "final evaluation: embedding the query", "shards",
                query.getNumPartitions(), 0, null)) {
            q = SparkEmbedding.embed(jsc, query, model, settings);
        }
        try (SparkProgress p = SparkProgress.open(jsc.sc(), "final evaluation: embedding the gallery", "shards",
                gallery.getNumPartitions(), 0, null)) {
            g = SparkEmbedding.embed(jsc, gallery, model, settings);
        }
        if (q.isEmpty() || g.isEmpty()) throw new IllegalArgumentException("nothing to evaluate: no query or no gallery images");
        return EvaluationDetails.compute(SparkEmbedding.features("query", q, local), SparkEmbedding.features("gallery", g, local),
                local.matching(eval.metric()), RankListRows.items(q), RankListRows.items(g), eval, report.topK());
    }

    /**
     * Before {@code run} is published: writes {@code details} (null when the job wrote them itself) and
     * {@code run.json} as it stands, then, with {@code reid.report.enabled}, the report into {@code report/} with the
     * common sections and those of {@code method}. A report that fails is logged and removed, and the run is published
     * without it ({@code submit/reid report --run} makes it later): the run's results are not lost to a report.
     */
    public static void beforePublish(JobContext ctx, RunDirectory run, EvaluationDetails details, Method method)
            throws IOException {
        Storage storage = ctx.storage();
        if (details != null) details.write(storage, run.work());
        run.writeRunInfo();
        ReportConfig config = ReportConfig.from(ctx.config());
        if (!config.enabled()) return;
        Path out = run.resolve(RunReport.FOLDER);
        try {
            RunReport.write(storage, run.work(), run.location(), out, sections(config, method));
        } catch (IOException | RuntimeException e) {
            LOG.warn("the run's report could not be made, the run is published without it (make it later with submit/reid"
                    + " report --run {}): {}", run.location(), e.toString(), e);
            FileSystem fs = storage.fs(out);
            if (fs.exists(out)) fs.delete(out, true);
        }
    }

    /** The common sections and those {@code method} adds through the method contract ({@link Method#reportSections()}). */
    static List<ReportSection> sections(ReportConfig config, Method method) {
        List<ReportSection> all = new ArrayList<>(RunReport.common(config.rankListQueries()));
        all.addAll(method.reportSections());
        return all;
    }
}
