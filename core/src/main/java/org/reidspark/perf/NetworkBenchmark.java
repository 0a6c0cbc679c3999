package org.reidspark.perf;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.Check;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.OffHeapCollector;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.InferenceFolding;
import org.reidspark.model.head.BNNeck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Times the project's own re-ID networks ({@link ReidNetwork}: ResNet backbone + BNNeck head, as the methods build
 * them) on the CPU: BoT-style training steps (training-mode forward, label-smoothed cross-entropy outside the graph,
 * {@link ExternalBackprop} backward and Adam step) and inference ({@link ReidNetwork#embed} on the
 * {@link InferenceFolding} copy that the embedding jobs run), after warm-up, with
 * each layer implementation of {@code reid.bench.implementations} measured side by side in interleaved
 * iterations (so load from other processes hits all of them alike). Also times an {@code n x n x n} float matrix
 * multiply in every round: the machine's matrix rate under the same load, which the networks' achieved rate is a
 * fraction of.
 *
 * <p>Reported per case and implementation: median seconds per iteration, images per second, GFLOP per image
 * (2 x multiply-adds of every convolution and dense layer; training counts 3 x the forward pass), achieved GFLOP/s,
 * its fraction of the measured matrix-multiply rate, and the peak resident memory of the process during that
 * implementation's iterations ({@code VmHWM}, reset before each; the other implementations' parameters stay
 * resident, so a clean figure comes from a run with one implementation).
 */
public final class NetworkBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkBenchmark.class);

    /**
     * Every case name: the shapes of issue 7 (PyTorch's figures for the same shapes are in docs/performance.md), and the
     * main job's network ({@code conf/local.conf}: ResNet-18 of width 0.25, last stride 1, 3x64x32, batch 32).
     */
    public static final List<String> CASES = List.of("resnet18-train", "resnet50-train", "resnet50-infer", "resnet18-infer",
            "main-train", "main-infer");

    private NetworkBenchmark() {
    }

    /**
     * A benchmark case: network and input shape.
     *
     * @param widthMultiplier the backbone's width multiplier ({@code reid.model.width})
     * @param lastStride      layer4's stride, or 0 for {@code reid.bench.last-stride}
     * @param training        training steps (true) or inference (false)
     */
    public record Case(String name, String backbone, double widthMultiplier, int lastStride, int height, int width, int batch,
                       boolean training) {
    }

    /** The case named {@code name}; an unknown name fails listing the known ones. */
    public static Case byName(String name) {
        return switch (name) {
            case "resnet18-train" -> new Case(name, "resnet18", 1.0, 0, 128, 64, 32, true);
            case "resnet50-train" -> new Case(name, "resnet50", 1.0, 0, 256, 128, 16, true);
            case "resnet50-infer" -> new Case(name, "resnet50", 1.0, 0, 256, 128, 32, false);
            case "resnet18-infer" -> new Case(name, "resnet18", 1.0, 0, 128, 64, 32, false);
            case "main-train" -> new Case(name, "resnet18", 0.25, 1, 64, 32, 32, true);
            case "main-infer" -> new Case(name, "resnet18", 0.25, 1, 64, 32, 32, false);
            default -> throw Check.unknownName("benchmark case", name, CASES);
        };
    }

    /**
     * One case measured with one layer implementation.
     *
     * @param seconds       each timed iteration's wall time, in order
     * @param cpuSeconds    each timed iteration's CPU time of the whole process (all threads), in order
     * @param jitSeconds    each timed iteration's time in the JVM's compilers (C1 and C2 threads together,
     *                      {@link #compilationMillis()}), in order: the part of the CPU time that is the JIT warming up
     * @param gflopPerImage floating-point work per image (see the class comment)
     * @param gemmGflops    median matrix-multiply rate of the rounds of this case
     * @param peakRssBytes  peak resident memory of the process during this implementation's timed iterations
     * @param offHeapBytes  bytes JavaCPP had allocated off-heap after the last iteration
     */
    public record Result(Case benchCase, String implementation, double[] seconds, double[] cpuSeconds, double[] jitSeconds,
                         double gflopPerImage, double gemmGflops, long peakRssBytes, long offHeapBytes) {
        public double medianSeconds() {
            return median(seconds);
        }

        /** The fastest iteration: under bursty load from other processes the least disturbed one. */
        public double bestSeconds() {
            return Arrays.stream(seconds).min().orElse(Double.NaN);
        }

        public double medianCpuSeconds() {
            return median(cpuSeconds);
        }

        /** The compilers' time over all timed iterations (seconds). */
        public double totalJitSeconds() {
            return Arrays.stream(jitSeconds).sum();
        }

        public double imagesPerSecond() {
            return benchCase.batch() / medianSeconds();
        }

        public double gflops() {
            return imagesPerSecond() * gflopPerImage;
        }

        /** Achieved rate over the matrix-multiply rate (NaN when that was not measured). */
        public double fractionOfGemm() {
            return gemmGflops > 0 ? gflops() / gemmGflops : Double.NaN;
        }
    }

    /** Runs every configured case; logs and returns the results. */
    public static List<Result> run(BenchConfig config) {
        LOG.info("benchmark environment: {}", environment());
        List<Result> results = new ArrayList<>();
        for (String name : config.cases()) results.addAll(run(byName(name), config));
        return results;
    }

    /** Runs one case with each configured layer implementation, iterations interleaved. */
    public static List<Result> run(Case c, BenchConfig config) {
        ModelConfig model = new ModelConfig(c.backbone(), c.widthMultiplier(), c.lastStride() > 0 ? c.lastStride() : config.lastStride(),
                c.height(), c.width(), true, "");
        Map<String, ComputationGraph> nets = new LinkedHashMap<>();
        ComputationGraph first = null;
        for (String conv : config.implementations()) {
            ComputationGraph g = ReidNetwork.build(model.withImplementation(conv), config.classes(),
                    NetworkOptions.bot(config.seed()), null);
            if (first == null) first = g;
            else g.setParams(first.params());
            // inference runs what the embedding jobs run: the copy with BatchNorms folded into the convolutions
            nets.put(conv, c.training() ? g : InferenceFolding.fold(g).graph());
        }
        double gflopPerImage = forwardGflopPerImage(first.getConfiguration(), c) * (c.training() ? 3 : 1);
        first = null; // an inference case times only the folded copies
        Random random = new Random(config.seed());
        Nd4j.getRandom().setSeed(config.seed());
        INDArray images = Nd4j.rand(DataType.FLOAT, c.batch(), 3, c.height(), c.width()).subi(0.5).muli(4);
        int[] labels = new int[c.batch()];
        for (int i = 0; i < labels.length; i++) labels[i] = random.nextInt(config.classes());
        LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);

        for (Map.Entry<String, ComputationGraph> e : nets.entrySet()) {
            for (int i = 0; i < config.warmup(); i++) {
                double s = iterate(e.getValue(), c, images, labels, ce);
                LOG.info("{} [{}] warm-up {}: {} s", c.name(), e.getKey(), i + 1, fmt(s));
            }
        }
        Map<String, double[]> times = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, double[]> jit = new LinkedHashMap<>();
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (String conv : nets.keySet()) {
            times.put(conv, new double[config.iterations()]);
            cpu.put(conv, new double[config.iterations()]);
            jit.put(conv, new double[config.iterations()]);
            peaks.put(conv, 0L);
        }
        double[] gemm = new double[config.gemmSize() > 0 ? config.iterations() : 0];
        for (int i = 0; i < config.iterations(); i++) {
            for (Map.Entry<String, ComputationGraph> e : nets.entrySet()) {
                resetPeakRss();
                long cpu0 = processCpuNanos();
                long jit0 = compilationMillis();
                double s = iterate(e.getValue(), c, images, labels, ce);
                double cs = (processCpuNanos() - cpu0) / 1e9;
                double js = (compilationMillis() - jit0) / 1e3;
                times.get(e.getKey())[i] = s;
                cpu.get(e.getKey())[i] = cs;
                jit.get(e.getKey())[i] = js;
                peaks.merge(e.getKey(), peakRss(), Math::max);
                LOG.info("{} [{}] iteration {}: {} s ({} CPU-s, {} s of it the JIT compilers), {} img/s, peak RSS {} MB", c.name(),
                        e.getKey(), i + 1, fmt(s), fmt(cs), fmt(js), fmt(c.batch() / s), peakRss() >> 20);
            }
            if (gemm.length > 0) {
                gemm[i] = gemmGflops(config.gemmSize());
                LOG.info("sgemm {}^3: {} GFLOP/s", config.gemmSize(), fmt(gemm[i]));
            }
        }
        double gemmRate = gemm.length > 0 ? median(gemm) : 0;
        List<Result> results = new ArrayList<>();
        for (String conv : nets.keySet()) {
            Result r = new Result(c, conv, times.get(conv), cpu.get(conv), jit.get(conv), gflopPerImage, gemmRate, peaks.get(conv),
                    Pointer.totalBytes());
            LOG.info("{} [{}]: {}", c.name(), conv, row(r));
            results.add(r);
        }
        return results;
    }

    /** One timed iteration: a training step, or an inference pass. */
    private static double iterate(ComputationGraph g, Case c, INDArray images, int[] labels, LabelSmoothingCrossEntropy ce) {
        long t0 = System.nanoTime();
        if (c.training()) {
            ExternalBackprop.step(g, new INDArray[]{images}, outputs -> {
                LossResult r = ce.compute(outputs.get(BNNeck.LOGITS), labels);
                return new ExternalBackprop.Errors(r.value(), Map.of(BNNeck.LOGITS, r.gradient()));
            });
        } else {
            ReidNetwork.embed(g, images);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** GFLOP of one image's forward pass: 2 x multiply-adds of every convolution and dense layer. */
    public static double forwardGflopPerImage(ComputationGraphConfiguration conf, Case c) {
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(c.height(), c.width(), 3));
        double macs = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) continue;
            org.deeplearning4j.nn.conf.layers.Layer layer = lv.getLayerConf().getLayer();
            if (layer instanceof ConvolutionLayer conv) {
                InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) types.get(e.getKey());
                int[] k = conv.getKernelSize();
                macs += (double) out.getHeight() * out.getWidth() * out.getChannels() * k[0] * k[1] * conv.getNIn();
            } else if (layer instanceof DenseLayer dense) {
                macs += (double) dense.getNIn() * dense.getNOut();
            }
        }
        return 2 * macs / 1e9;
    }

    /** GFLOP/s of one {@code n x n x n} float matrix multiply. */
    public static double gemmGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, n, n);
        long t0 = System.nanoTime();
        Nd4j.gemm(a, b, out, false, false, 1.0, 0.0);
        double s = (System.nanoTime() - t0) / 1e9;
        a.close();
        b.close();
        out.close();
        return 2.0 * n * n * n / s / 1e9;
    }

    /** Backend, BLAS threads, ND4J build flags and memory limits, for the record. */
    public static String environment() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        return String.format(Locale.ROOT, "backend %s, BLAS %s, %s cores, OMP threads %s, ND4J max threads %d, "
                        + "JVM max heap %d MB, javacpp maxbytes %d MB, maxphysicalbytes %d MB, OMP_NUM_THREADS=%s, %s",
                p.get("backend"), p.get("blas.vendor"), p.get("cores"),
                p.get("omp.threads"), Nd4j.getEnvironment().maxThreads(),
                Runtime.getRuntime().maxMemory() >> 20, Pointer.maxBytes() >> 20, Pointer.maxPhysicalBytes() >> 20,
                System.getenv("OMP_NUM_THREADS"), OffHeapCollector.process());
    }

    /** A markdown table of {@code results}. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | layers | batch | s/iteration (median) | best s | CPU-s/iteration | JIT s (all timed) | img/s | GFLOP/image | GFLOP/s | sgemm GFLOP/s | fraction of sgemm | peak RSS MB | iterations (s) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.3f | %.1f | %.0f | %.3f | %d | %s |%n",
                    r.benchCase().name(), r.implementation(), r.benchCase().batch(), r.medianSeconds(), r.bestSeconds(),
                    r.medianCpuSeconds(), r.totalJitSeconds(), r.imagesPerSecond(),
                    r.gflopPerImage(), r.gflops(), r.gemmGflops(), r.fractionOfGemm(), r.peakRssBytes() >> 20,
                    seconds(r.seconds())));
        }
        return sb.toString();
    }

    /**
     * One machine-readable line per result, as the PyTorch reference harness prints them ({@code RESULT case=...
     * median_s=...}), for scripts that set the two side by side ({@code submit/pytorch-parity}).
     */
    public static String resultLines(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "RESULT case=%s layers=%s median_s=%.4f best_s=%.4f cpu_s=%.3f jit_s=%.3f img_s=%.3f "
                            + "gflop_img=%.4f gflops=%.2f sgemm=%.1f peak_rss_mb=%d%n", r.benchCase().name(), r.implementation(),
                    r.medianSeconds(), r.bestSeconds(), r.medianCpuSeconds(), r.totalJitSeconds(), r.imagesPerSecond(), r.gflopPerImage(),
                    r.gflops(), r.gemmGflops(), r.peakRssBytes() >> 20));
        }
        return sb.toString();
    }

    private static String row(Result r) {
        return String.format(Locale.ROOT, "median %.3f s (%.3f CPU-s), %.2f img/s, %.2f GFLOP/image, %.1f GFLOP/s (%.3f of sgemm %.0f), peak RSS %d MB",
                r.medianSeconds(), r.medianCpuSeconds(), r.imagesPerSecond(), r.gflopPerImage(), r.gflops(), r.fractionOfGemm(), r.gemmGflops(),
                r.peakRssBytes() >> 20);
    }

    private static String seconds(double[] s) {
        StringBuilder sb = new StringBuilder();
        for (double v : s) sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", v));
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** The median of {@code values} (NaN when empty). */
    public static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /**
     * Milliseconds the JVM's compiler threads have spent compiling since it started (all compilers together;
     * {@code CompilationMXBean.getTotalCompilationTime}), or 0 where the JVM does not report it.
     */
    public static long compilationMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** CPU time of this process, all threads (native ones included), in nanoseconds. */
    public static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** Peak resident memory of this process ({@code VmHWM}); 0 where /proc is unavailable. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Resets {@code VmHWM} to the current resident size (Linux: write 5 to /proc/self/clear_refs); best effort. */
    public static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot reset the peak RSS: {}", e.toString());
        }
    }

    /**
     * Runs {@code reid.bench} from the reference config plus {@code key=value} overrides (e.g.
     * {@code reid.bench.cases=resnet50-train}) and prints the table; the {@code bench} job does the same through
     * {@code submit/reid}.
     */
    public static void main(String[] args) {
        List<Result> results = run(BenchConfig.from(org.reidspark.config.ConfigLoader.load(Arrays.asList(args))));
        System.out.println(environment());
        System.out.print(table(results));
    }
}
