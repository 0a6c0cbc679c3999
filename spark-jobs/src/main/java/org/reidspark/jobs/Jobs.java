package org.reidspark.jobs;

import org.reidspark.jobs.augment.AugmentBenchJob;
import org.reidspark.jobs.augment.AugmentJob;
import org.reidspark.jobs.evaluate.EvaluateJob;
import org.reidspark.jobs.extract.ExtractBenchJob;
import org.reidspark.jobs.extract.ExtractJob;
import org.reidspark.jobs.generate.GenerateJob;
import org.reidspark.jobs.mine.MineBenchJob;
import org.reidspark.jobs.mine.MineJob;
import org.reidspark.jobs.report.ReportJob;
import org.reidspark.jobs.retrain.RegistryJob;
import org.reidspark.jobs.retrain.RetrainJob;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.jobs.train.ScalingBenchJob;

import java.util.List;

/** The one place that maps a job name to its implementation. */
public final class Jobs {
    /** Every job, in the order {@code submit/reid --help} lists them. */
    public static final List<String> NAMES = List.of("train", "train-local", "evaluate", "extract", "retrain", "registry",
            "report", "ablation", "dcr-parts", "dgnet-generation", "synth", "shard", "figures", "eval-distmat", "bench", "bench-scaling", "step-bench", "extract-bench", "mine", "mine-bench", "augment", "augment-bench", "generate", "smoke");

    /** The jobs that start no Spark: submit/reid runs them in one plain JVM (its NON_SPARK_JOBS, checked by MainTest). */
    public static final List<String> WITHOUT_SPARK = List.of("eval-distmat", "synth", "train-local", "bench", "ablation", "dcr-parts", "dgnet-generation", "step-bench", "mine-bench", "augment-bench");

    private Jobs() {
    }

    public static Job byName(String name) {
        return switch (name) {
            case "smoke" -> new SmokeJob();
            case "eval-distmat" -> new EvalDistmatJob();
            case "train-local" -> new TrainLocalJob();
            case "ablation" -> new AblationJob();
            case "dcr-parts" -> new DcrPartsJob();
            case "dgnet-generation" -> new DgNetGenerationJob();
            case "train" -> new TrainJob();
            case "shard" -> new ShardJob();
            case "evaluate" -> new EvaluateJob();
            case "extract" -> new ExtractJob();
            case "extract-bench" -> new ExtractBenchJob();
            case "retrain" -> new RetrainJob();
            case "registry" -> new RegistryJob();
            case "report" -> new ReportJob();
            case "figures" -> new FiguresJob();
            case "synth" -> new SynthJob();
            case "bench" -> new BenchJob();
            case "bench-scaling" -> new ScalingBenchJob();
            case "step-bench" -> new StepBenchJob();
            case "mine" -> new MineJob();
            case "mine-bench" -> new MineBenchJob();
            case "augment" -> new AugmentJob();
            case "augment-bench" -> new AugmentBenchJob();
            case "generate" -> new GenerateJob();
            default -> throw new UsageError("unknown job \"" + name + "\"; known jobs: " + String.join(", ", NAMES));
        };
    }
}
