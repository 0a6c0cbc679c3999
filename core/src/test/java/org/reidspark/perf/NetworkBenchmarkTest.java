package org.reidspark.perf;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkBenchmarkTest {

    /**
     * The work count against a published figure: torchvision's ResNet-50 at 224x224 has 4.09 G multiply-adds in
     * its convolutions and 1000-way classifier (He et al. 2016 give "3.8 x 10^9 FLOPs" counting the same
     * multiply-adds without the v1.5 stride placement), i.e. 8.18 GFLOP; the bias-free BNNeck classifier here has
     * the same shape.
     */
    @Test
    void countsResNet50WorkLikeThePublishedFigure() {
        ModelConfig model = new ModelConfig("resnet50", 1.0, 2, 224, 224, true, "", "dl4j");
        ComputationGraph g = ReidNetwork.build(model, 1000, NetworkOptions.bot(1), null);
        NetworkBenchmark.Case c = new NetworkBenchmark.Case("imagenet", "resnet50", 1.0, 2, 224, 224, 1, false);
        double gflop = NetworkBenchmark.forwardGflopPerImage(g.getConfiguration(), c);
        assertEquals(8.18, gflop, 0.05, "GFLOP of one 224x224 image");
    }

    @Test
    void configReadsCommaSeparatedNamesAndRejectsUnknownOnes() {
        BenchConfig defaults = BenchConfig.from(ConfigLoader.load(List.of()));
        assertTrue(NetworkBenchmark.CASES.containsAll(defaults.cases()));
        BenchConfig two = BenchConfig.from(ConfigLoader.load(List.of("reid.bench.cases=resnet50-infer, resnet18-train",
                "reid.bench.implementations=dl4j")));
        assertEquals(List.of("resnet50-infer", "resnet18-train"), two.cases());
        assertEquals(List.of("dl4j"), two.implementations());
        ConfigError bad = assertThrows(ConfigError.class,
                () -> BenchConfig.from(ConfigLoader.load(List.of("reid.bench.cases=resnet101-train"))));
        assertTrue(bad.getMessage().contains("reid.bench.cases") && bad.getMessage().contains("resnet101-train"), bad.getMessage());
        ConfigError impl = assertThrows(ConfigError.class,
                () -> BenchConfig.from(ConfigLoader.load(List.of("reid.bench.implementations=cudnn"))));
        assertTrue(impl.getMessage().contains("reid.bench.implementations"), impl.getMessage());
    }

    @Test
    void medianAndPeakMemoryReadings() {
        assertEquals(2.0, NetworkBenchmark.median(new double[]{3, 1, 2}));
        assertEquals(2.5, NetworkBenchmark.median(new double[]{4, 1, 2, 3}));
        NetworkBenchmark.resetPeakRss();
        byte[][] blocks = new byte[64][];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new byte[1 << 20];
            java.util.Arrays.fill(blocks[i], (byte) 1);
        }
        assertTrue(NetworkBenchmark.peakRss() >= 64L << 20, "64 MB were just touched: " + NetworkBenchmark.peakRss());
        assertEquals(1, blocks[63][0]);
        assertTrue(NetworkBenchmark.processCpuNanos() > 0);
    }

    /** The compilers' clock moves when the JVM compiles: a fresh method made hot is compiled, and the time is counted. */
    @Test
    void compilationTimeIsRead() {
        long before = NetworkBenchmark.compilationMillis();
        assertTrue(before > 0, "a JVM that ran JUnit has compiled something: " + before);
        long sum = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (NetworkBenchmark.compilationMillis() == before && System.nanoTime() < deadline) {
            for (int i = 0; i < 100_000; i++) sum += hot(i);
        }
        assertTrue(NetworkBenchmark.compilationMillis() > before, "no compilation counted in 30 s of a hot loop (" + sum + ")");
    }

    private static long hot(int i) {
        return (i * 31L) ^ (i >>> 3);
    }

    /**
     * The main job's network as a case: it runs with both layer implementations, training counts 3 x the forward work,
     * and its last stride is the main job's 1 whatever {@code reid.bench.last-stride} says (stride 2 would quarter
     * layer4's work).
     */
    @Test
    void mainJobCasesRunTheWidthQuarterNetworkAtStrideOne() {
        BenchConfig config = new BenchConfig(List.of("main-train", "main-infer"), List.of("native", "dl4j"), 0, 1, 0, 50, 2, 1);
        List<NetworkBenchmark.Result> results = NetworkBenchmark.run(config);
        assertEquals(4, results.size());
        for (NetworkBenchmark.Result r : results) {
            assertTrue(r.medianSeconds() > 0 && Double.isFinite(r.medianSeconds()), r.toString());
            assertEquals(32, r.benchCase().batch());
        }
        double train = results.get(0).gflopPerImage();
        double infer = results.get(2).gflopPerImage();
        assertEquals(3 * infer, train, 1e-9);
        ComputationGraph stride2 = ReidNetwork.build(new ModelConfig("resnet18", 0.25, 2, 64, 32, true, "", "dl4j"), 50,
                NetworkOptions.bot(1), null);
        double strideTwo = NetworkBenchmark.forwardGflopPerImage(stride2.getConfiguration(), NetworkBenchmark.byName("main-infer"));
        assertTrue(infer > strideTwo * 1.2, "stride 1: " + infer + " GFLOP, stride 2: " + strideTwo);
        List<String> lines = NetworkBenchmark.resultLines(results).lines().toList();
        assertEquals(4, lines.size());
        for (String line : lines) {
            assertTrue(line.matches("RESULT case=main-(train|infer) layers=(native|dl4j) median_s=[0-9.]+ best_s=[0-9.]+ cpu_s=[0-9.]+ "
                    + "jit_s=[0-9.]+ .* peak_rss_mb=[0-9]+"), line);
        }
    }
}
