package org.reidspark.perf;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.model.backbone.Convolutions;

import java.util.List;

/**
 * {@code reid.bench}: what {@link NetworkBenchmark} measures.
 *
 * @param cases        benchmark cases, names from {@link NetworkBenchmark#CASES}, run in this order
 * @param convolutions convolution implementations ({@link Convolutions#NAMES}) measured side by side, interleaved
 * @param warmup       untimed iterations per implementation before timing
 * @param iterations   timed iterations per implementation (one of each, in turn)
 * @param gemmSize     n of the n x n x n float matrix multiply that gives the machine's rate (0 = skip)
 * @param classes      identities of the network's classifier
 * @param lastStride   stride of the backbone's last stage (1 = BoT, 2 = ImageNet)
 * @param seed         seed of weights, images and labels
 */
public record BenchConfig(List<String> cases, List<String> convolutions, int warmup, int iterations, int gemmSize,
                          int classes, int lastStride, long seed) {
    public BenchConfig {
        cases = List.copyOf(cases);
        convolutions = List.copyOf(convolutions);
        if (cases.isEmpty()) throw ConfigError.badValue("reid.bench.cases", cases, "at least one of " + NetworkBenchmark.CASES);
        for (String c : cases) {
            if (!NetworkBenchmark.CASES.contains(c)) {
                throw ConfigError.badValue("reid.bench.cases", c, "one of " + String.join(", ", NetworkBenchmark.CASES));
            }
        }
        if (convolutions.isEmpty()) {
            throw ConfigError.badValue("reid.bench.convolutions", convolutions, "at least one of " + Convolutions.NAMES);
        }
        for (String c : convolutions) {
            if (!Convolutions.NAMES.contains(c)) {
                throw ConfigError.badValue("reid.bench.convolutions", c, "one of " + String.join(", ", Convolutions.NAMES));
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
        return new BenchConfig(b.getStringList("cases"), b.getStringList("convolutions"), b.getInt("warmup"),
                b.getInt("iterations"), b.getInt("gemm-size"), b.getInt("classes"), b.getInt("last-stride"),
                b.getLong("seed"));
    }
}
