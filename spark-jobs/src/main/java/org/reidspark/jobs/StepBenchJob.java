package org.reidspark.jobs;

import org.reidspark.data.image.InputConfig;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.perf.BenchConfig;
import org.reidspark.perf.StepBenchmark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * {@code step-bench}: times the configured method's training step on this machine's CPU ({@link StepBenchmark}):
 * the method, networks and input size of the run's config ({@code --conf}), random images, P x K labels over
 * {@code reid.bench.classes} identities, {@code reid.bench.warmup} untimed and {@code reid.bench.iterations} timed steps.
 * Prints the median seconds per step and images per second. Runs without Spark.
 */
public final class StepBenchJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(StepBenchJob.class);

    @Override
    public String name() {
        return "step-bench";
    }

    @Override
    public String summary() {
        return "CPU time of one training step of the configured method at its configured size, on random images";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--warmup", "N", "reid.bench.warmup", "untimed steps"),
                JobOption.config("--iterations", "N", "reid.bench.iterations", "timed steps"),
                JobOption.config("--identities", "N", "reid.bench.classes", "training identities (the classifiers' width)"));
    }

    @Override
    public int run(JobContext ctx) {
        BenchConfig bench = BenchConfig.from(ctx.config());
        Method method = Methods.of(ctx.config());
        InputConfig input = InputConfig.from(ctx.config());
        LOG.info("{}: {} at {}x{}, {} identities, {} warm-up + {} timed steps", name(), method.name(), input.height(),
                input.width(), bench.classes(), bench.warmup(), bench.iterations());
        StepBenchmark.Result r = StepBenchmark.run(method, input, bench.classes(), bench.warmup(), bench.iterations(),
                bench.seed(), ctx.storage());
        ctx.out().println(r.summary());
        ctx.out().println("last step's terms: " + r.terms());
        return 0;
    }
}
