package org.reidspark.jobs;

import org.reidspark.perf.BenchConfig;
import org.reidspark.perf.NetworkBenchmark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * {@code bench}: times training steps and inference of the project's ResNet re-ID networks on this machine's CPU
 * ({@link NetworkBenchmark}, configured by {@code reid.bench}), each layer implementation side by side, and prints
 * a markdown table: seconds per iteration, images per second, achieved GFLOP/s, its fraction of the matrix-multiply
 * rate measured in the same run, peak resident memory. Runs without Spark. docs/performance.md has the results.
 */
public final class BenchJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(BenchJob.class);

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "CPU benchmark of the ResNet networks: training steps and inference, img/s, GFLOP/s, peak memory";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--cases", "A,B", "reid.bench.cases",
                        "resnet18-train, resnet50-train, resnet50-infer, resnet18-infer, main-train, main-infer (comma-separated)"),
                JobOption.config("--implementations", "A,B", "reid.bench.implementations",
                        "layer implementations side by side: native, dl4j (comma-separated)"),
                JobOption.config("--warmup", "N", "reid.bench.warmup", "untimed iterations per implementation"),
                JobOption.config("--iterations", "N", "reid.bench.iterations", "timed iterations per implementation"),
                JobOption.config("--gemm-size", "N", "reid.bench.gemm-size", "n of the n^3 sgemm giving the machine's rate (0 = skip)"),
                JobOption.config("--last-stride", "S", "reid.bench.last-stride", "2 (ImageNet network) or 1 (BoT)"));
    }

    @Override
    public int run(JobContext ctx) {
        BenchConfig config = BenchConfig.from(ctx.config());
        LOG.info("{}: cases {}, implementations {}, {} warm-up + {} timed iterations", name(), config.cases(),
                config.implementations(), config.warmup(), config.iterations());
        List<NetworkBenchmark.Result> results = NetworkBenchmark.run(config);
        System.out.println(NetworkBenchmark.environment());
        System.out.print(NetworkBenchmark.table(results));
        System.out.print(NetworkBenchmark.resultLines(results));
        return 0;
    }
}
