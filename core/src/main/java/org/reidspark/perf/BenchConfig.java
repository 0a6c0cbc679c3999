package org.reidspark.perf;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.model.backbone.Implementations;

import java.util.List;

/**
 * {@code reid.bench}: what {@link NetworkBenchmark} measures.
 *
 * @param cases        benchmark cases (config: comma-separated), names from {@link NetworkBenchmark#CASES}, run in this order
 * @param implementations layer implementations (config: comma-separated; {@link Implementations#NAMES}) measured side by side, interleaved
 * @param warmup       untimed iterations per implementation before timing
 * @param iterations   timed iterations per implementation (one of each, in turn)
 * @param gemmSize     n of the n x n x n float matrix multiply that gives the machine's rate (0 = skip)
 * @param classes      identities of the network's classifier
 * @param lastStride   stride of the backbone's last stage (1 = BoT, 2 = ImageNet)
 * @param seed         seed of weights, images and labels
 */
public record BenchConfig(List<String> cases, List<String> implementations, int warmup, int iterations, int gemmSize,
                          int classes, int lastStride, long seed) {
    public BenchConfig {
        cases = List.copyOf(cases);
        implementations = List.copyOf(implementations);
        if (cases.isEmpty()) throw ConfigError.badValue("reid.bench.cases", cases, "at least one of " + NetworkBenchmark.CASES);
        for (String c : cases) {
            if (!NetworkBenchmark.CASES.contains(c)) {
                throw ConfigError.badValue("reid.bench.cases", c, "one of " + String.join(", ", NetworkBenchmark.CASES));
            }
        }
        if (implementations.isEmpty()) {
            throw ConfigError.badValue("reid.bench.implementations", implementations, "at least one of " + Implementations.NAMES);
        }
        for (String c : implementations) {
            if (!Implementations.NAMES.contains(c)) {
                throw ConfigError.badValue("reid.bench.implementations", c, "one of " + String.join(", ", Implementations.NAMES));
            }
        }
        Check.nonNegative("reid.bench.warmup", warmup);
        Check.positive("reid.bench.iterations", iterations);
        Check.inRange("reid.bench.gemm-size", gemmSize, 0, 16384);
        Check.positive("reid.bench.classes", classes);
        if (lastStride != 1 && lastStride != 2) throw ConfigError.badValue("reid.bench.last-stride", lastStride, "1 or 2");
    }

    public static BenchConfig from(Config c) {
        Config b = c.getConfig("reid.bench");
        return new BenchConfig(names(b, "cases"), names(b, "implementations"), b.getInt("warmup"),
                b.getInt("iterations"), b.getInt("gemm-size"), b.getInt("classes"), b.getInt("last-stride"),
                b.getLong("seed"));
    }

    /** Names from a comma-separated string ({@code --cases a,b}). */
    private static List<String> names(Config b, String key) {
        return java.util.Arrays.stream(b.getString(key).split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
