package org.reidspark.eval.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Labels;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingEvaluator;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.RankingOptions;
import org.reidspark.eval.rerank.FeatureDistances;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.reidspark.eval.rerank.MatrixDistances;
import org.reidspark.io.NpyHeader;
import org.reidspark.io.NpyReader;
import org.reidspark.io.NpyWriter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation speed benchmark (not a test). On a Market-1501-sized case ({@link SyntheticMarket}: 3,368 x 15,913,
 * 751 identities, 6 cameras, 2048-d) it prints, each beside a reference measured in the same run on the same data:
 * <ul>
 *   <li>distances from embeddings (cosine, {@link DistanceBlocks}) against ND4J's raw matrix-multiply rate, and a
 *       plain-Java kernel for comparison;</li>
 *   <li>metrics from the matrix ({@link RankingEvaluator}) against one sequential pass summing the matrix and the
 *       full-sort reference ({@link FullSortReference});</li>
 *   <li>re-ranking ({@link KReciprocalReranker} from embeddings) against the dense reference
 *       ({@link DenseRerankReference}) at 1/4 and full scale, each run in its own JVM so its time and peak resident
 *       memory (Linux {@code VmHWM}, reset at the start of the measured part) are its own.</li>
 * </ul>
 * Usage (see docs/performance.md): {@code java -Xmx4g -cp CLASSPATH org.reidspark.eval.bench.EvalBenchmark
 * [--dim 2048] [--seed 1] [--repeats 3] [--rerank-scales 0.25,1] [--reference-scales 0.25,1]
 * [--engine-xmx 1g] [--matrix-xmx 1600m] [--files-xmx 700m] [--reference-xmx 10g]
 * [--parts distances,metrics,rerank]}.
 */
public final class EvalBenchmark {
    private static final String RESULT = "RESULT ";
    private static long jitBase;

    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        int dim = Integer.parseInt(opt.getOrDefault("--dim", "2048"));
        long seed = Long.parseLong(opt.getOrDefault("--seed", "1"));
        int threads = Integer.parseInt(opt.getOrDefault("--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        if (opt.containsKey("--child")) {
            child(opt.get("--child"), Double.parseDouble(opt.get("--scale")), dim, seed, threads, Path.of(opt.get("--dir")));
            return;
        }
        int repeats = Integer.parseInt(opt.getOrDefault("--repeats", "3"));
        List<Double> rerankScales = scales(opt.getOrDefault("--rerank-scales", "0.25,1"));
        List<Double> referenceScales = scales(opt.getOrDefault("--reference-scales", "0.25,1"));
        String engineXmx = opt.getOrDefault("--engine-xmx", "1g");
        String matrixXmx = opt.getOrDefault("--matrix-xmx", "1600m");
        String filesXmx = opt.getOrDefault("--files-xmx", "700m");
        String referenceXmx = opt.getOrDefault("--reference-xmx", "10g");
        List<String> parts = List.of(opt.getOrDefault("--parts", "distances,metrics,rerank").split(","));

        out("reid-spark evaluation benchmark: %d processors, %s, Java %s, OMP_NUM_THREADS=%s, max heap %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), System.getProperty("java.version"),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"), gib(Runtime.getRuntime().maxMemory()));
        if (parts.contains("distances") || parts.contains("metrics")) distancesAndMetrics(dim, seed, threads, repeats);
        if (parts.contains("rerank")) rerank(dim, seed, threads, rerankScales, referenceScales, engineXmx, matrixXmx, filesXmx, referenceXmx);
    }

    private static void distancesAndMetrics(int dim, long seed, int threads, int repeats) throws Exception {
        long t = System.nanoTime();
        SyntheticMarket data = SyntheticMarket.generate(1.0, dim, seed);
        out("data: %d queries x %d gallery, %d identities, %d cameras, %d-d embeddings (generated in %.1f s)",
                data.nq(), data.ng(), SyntheticMarket.IDENTITIES, SyntheticMarket.CAMERAS, dim, secs(System.nanoTime() - t));

        // ---- distances ----
        // Each distance run follows a sgemm run, so the two see the same machine load; both the best-of ratio and
        // the paired ratios are printed.
        Gemm gemm = new Gemm(dim);
        Embeddings q = Embeddings.of("query", data.queries(), data.nq(), dim);
        Embeddings g = Embeddings.of("gallery", data.gallery(), data.ng(), dim);
        float[] dist = null;
        double best = Double.MAX_VALUE;
        double bestGemm = Double.MAX_VALUE;
        double flops = 2.0 * data.nq() * data.ng() * dim;
        List<String> paired = new ArrayList<>();
        for (int r = 0; r < Math.max(1, repeats); r++) {
            double gs = gemm.run();
            bestGemm = Math.min(bestGemm, gs);
            dist = null;
            long s = System.nanoTime();
            dist = new DistanceBlocks(q, g, Metric.COSINE).threads(threads).matrix();
            double ds = secs(System.nanoTime() - s);
            best = Math.min(best, ds);
            paired.add(String.format(Locale.ROOT, "%.0f%%", 100 * (flops / ds) / (gemm.flops / gs)));
        }
        double gemmRate = gemm.flops / bestGemm / 1e9;
        out("matrix multiply (ND4J sgemm, %d x %d x %d, best of %d): %.3f s = %.1f GFLOP/s", Gemm.N, dim, Gemm.N,
                repeats, bestGemm, gemmRate);
        double distRate = flops / best / 1e9;
        out("distances from embeddings (cosine, %d x %d x %d = %.1f GFLOP, into a float[] matrix, best of %d): %.3f s"
                        + " = %.1f GFLOP/s = %.0f%% of the matrix-multiply rate (paired runs: %s) [target >= 50%%]",
                data.nq(), data.ng(), dim, flops / 1e9, repeats, best, distRate, 100 * distRate / gemmRate,
                String.join(", ", paired));
        double javaRate = plainJavaRate(data, Math.min(256, data.nq()), threads);
        out("  plain-Java dot-product kernel (%d threads, 256 queries): %.1f GFLOP/s; ND4J gemm is %.1fx faster",
                threads, javaRate, distRate / javaRate);

        // ---- metrics ----
        out("metrics from the matrix (%d x %d = %.1f M distances, standard protocol, max rank 50):",
                data.nq(), data.ng(), dist.length / 1e6);
        // The sum pass and the engine alternate, so both see the same load; wall and thread CPU time, best of each.
        RankingMetrics[] got = new RankingMetrics[1];
        final float[] d = dist;
        double[] sumT = {Double.MAX_VALUE, Double.MAX_VALUE};
        double[] oneT = {Double.MAX_VALUE, Double.MAX_VALUE};
        double many = Double.MAX_VALUE;
        double sink = 0;
        for (int r = 0; r < Math.max(1, repeats) + 2; r++) {
            long w = System.nanoTime();
            long c = threadCpu();
            sink += sumPass(d);
            sumT[0] = Math.min(sumT[0], secs(System.nanoTime() - w));
            sumT[1] = Math.min(sumT[1], secs(threadCpu() - c));
            w = System.nanoTime();
            c = threadCpu();
            got[0] = metrics(d, data, 1);
            oneT[0] = Math.min(oneT[0], secs(System.nanoTime() - w));
            oneT[1] = Math.min(oneT[1], secs(threadCpu() - c));
            w = System.nanoTime();
            metrics(d, data, threads);
            many = Math.min(many, secs(System.nanoTime() - w));
        }
        out("  one sequential pass summing the matrix: %.4f s (thread CPU %.4f s)%s", sumT[0], sumT[1], sink == 0 ? " " : "");
        out("  this engine, 1 thread: %.4f s = %.1fx the sum pass; thread CPU %.4f s = %.1fx [target <= 5x]",
                oneT[0], oneT[0] / sumT[0], oneT[1], oneT[1] / sumT[1]);
        out("  this engine, %d threads: %.4f s", threads, many);
        double one = oneT[0];
        long s = System.nanoTime();
        long c0 = threadCpu();
        double[] ref = FullSortReference.evaluate(d, data.queryLabels(), data.galleryLabels(), 50);
        double full = secs(System.nanoTime() - s);
        double fullCpu = secs(threadCpu() - c0);
        out("  full-sort reference (sort every row, then scan), 1 thread: %.3f s (thread CPU %.3f s); the engine is %.0fx"
                + " faster on 1 thread (%.0fx in CPU time), %.0fx on %d [target >= 10x]", full, fullCpu, full / one,
                fullCpu / oneT[1], full / many, threads);
        double maxDiff = Math.abs(ref[50] - got[0].mAP()) + Math.abs(ref[51] - got[0].mINP());
        for (int k = 0; k < 50; k++) maxDiff = Math.max(maxDiff, Math.abs(ref[k] - got[0].cmc()[k]));
        out("  same results: engine %s; reference Rank-1 %.2f%%, mAP %.2f%%, mINP %.2f%%, %d valid (largest difference %.1e)",
                got[0].summary(), 100 * ref[0], 100 * ref[50], 100 * ref[51], (int) ref[52], maxDiff);
    }

    private static void rerank(int dim, long seed, int threads, List<Double> rerankScales, List<Double> referenceScales,
                               String engineXmx, String matrixXmx, String filesXmx, String referenceXmx) throws Exception {
        out("re-ranking (k1 20, k2 6, lambda 0.3; cosine distances of the same embeddings), each run in its own JVM;");
        out("time and peak resident memory (whole process: JVM, native libraries and inputs included) of the re-ranking alone;");
        out("CPU is the process's CPU time (all threads, JIT compiler and GC included), JIT the compiler's share:");
        Path dir = Files.createTempDirectory("reid-eval-bench");
        try {
            SyntheticMarket full = SyntheticMarket.generate(rerankScales.stream().mapToDouble(x -> x).max().orElse(1), dim, seed);
            for (double scale : rerankScales) {
                writeMatrices(full, scale, dir);
                Map<String, String> r = referenceScales.contains(scale)
                        ? runChild("rerank-reference", scale, dim, seed, threads, referenceXmx, dir) : null;
                Map<String, String> m = runChild("rerank-engine-matrices", scale, dim, seed, threads, matrixXmx, dir);
                Map<String, String> f = runChild("rerank-engine-files", scale, dim, seed, threads, filesXmx, dir);
                Map<String, String> e = runChild("rerank-engine-embeddings", scale, dim, seed, threads, engineXmx, dir);
                out("  scale %s (%s queries + %s gallery = %s images):", scale, m.get("nq"), m.get("ng"), m.get("n"));
                if (r != null) {
                    out("    dense reference, from the three distance matrices in memory (1 thread, -Xmx%s): %s s (CPU %s s,"
                            + " JIT %s s), peak RSS %s GB", referenceXmx, r.get("seconds"), r.get("cpuSeconds"), r.get("jitSeconds"),
                            gb(r.get("peakRss")));
                }
                out("    engine, from the same matrices in memory (%d threads, -Xmx%s): %s s (CPU %s s, JIT %s s), peak RSS %s GB%s",
                        threads, matrixXmx, m.get("seconds"), m.get("cpuSeconds"), m.get("jitSeconds"), gb(m.get("peakRss")), r == null ? ""
                                : String.format(Locale.ROOT, "; %.1fx faster (%.1fx less CPU), %.1fx less memory",
                                ratio(r, m, "seconds"), ratio(r, m, "cpuSeconds"), ratio(r, m, "peakRss")));
                out("    engine, GG.npy streamed from its file as eval-distmat does (-Xmx%s): %s s (CPU %s s), peak RSS %s GB",
                        filesXmx, f.get("seconds"), f.get("cpuSeconds"), gb(f.get("peakRss")));
                out("    engine, from the embeddings, distances included (-Xmx%s): %s s (CPU %s s), peak RSS %s GB",
                        engineXmx, e.get("seconds"), e.get("cpuSeconds"), gb(e.get("peakRss")));
                double worst = 0;
                for (Map<String, String> x : new Map[] {m, f, e}) {
                    if (r != null) worst = Math.max(worst, Math.abs(Double.parseDouble(x.get("mAP")) - Double.parseDouble(r.get("mAP"))));
                }
                out("    results: %s%s", m.get("summary"), r == null ? ""
                        : String.format(Locale.ROOT, "; largest |mAP difference| to the reference %.1e", worst));
                out("    (engine from matrices: %s)", m.get("phases"));
                out("    (engine from embeddings: %s)", e.get("phases"));
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double ratio(Map<String, String> a, Map<String, String> b, String key) {
        return Double.parseDouble(a.get(key)) / Double.parseDouble(b.get(key));
    }

    /** The three cosine distance matrices of the first scale-th of the data, as float32 .npy files in dir. */
    private static void writeMatrices(SyntheticMarket data, double scale, Path dir) throws IOException {
        int nq = (int) Math.round(SyntheticMarket.QUERIES * scale);
        int ng = (int) Math.round(SyntheticMarket.GALLERY * scale);
        int dim = data.dim();
        Embeddings q = Embeddings.of("query", java.util.Arrays.copyOf(data.queries(), nq * dim), nq, dim);
        Embeddings g = Embeddings.of("gallery", java.util.Arrays.copyOf(data.gallery(), ng * dim), ng, dim);
        long s = System.nanoTime();
        write(dir.resolve("qg.npy"), new DistanceBlocks(q, g, Metric.COSINE), nq, ng);
        write(dir.resolve("qq.npy"), DistanceBlocks.self(q, Metric.COSINE), nq, nq);
        write(dir.resolve("gg.npy"), DistanceBlocks.self(g, Metric.COSINE), ng, ng);
        System.err.printf(Locale.ROOT, "wrote the distance matrices of scale %s in %.1f s%n", scale, secs(System.nanoTime() - s));
    }

    private static void write(Path file, DistanceBlocks blocks, int rows, int cols) throws IOException {
        try (NpyWriter w = NpyWriter.open(Files.newOutputStream(file), file.toString(), NpyHeader.DType.FLOAT32, rows, cols)) {
            blocks.forEachRowBlock(64L << 20, (r0, n, data) -> w.write(data, 0, n * cols));
        }
    }

    private static float[] read(Path file, boolean square) throws IOException {
        try (NpyReader r = NpyReader.open(Files.newInputStream(file), file.toString())) {
            float[] a = new float[(int) r.remaining()];
            if (square) r.readSquares(a, 0, a.length);
            else r.readFloats(a, 0, a.length);
            return a;
        }
    }

    // ---- parts ----

    private static RankingMetrics metrics(float[] m, SyntheticMarket data, int threads) {
        RankingEvaluator ev = new RankingEvaluator(data.queryLabels(), data.galleryLabels(),
                new RankingOptions(Protocol.STANDARD, 50, 1, 1, threads), "benchmark matrix");
        ev.accept(0, data.nq(), m, 0);
        return ev.result();
    }

    /** One sequential pass summing every element (eight independent accumulators, so memory bound). */
    static double sumPass(float[] m) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 8 <= m.length; i += 8) {
            s0 += m[i];
            s1 += m[i + 1];
            s2 += m[i + 2];
            s3 += m[i + 3];
            s4 += m[i + 4];
            s5 += m[i + 5];
            s6 += m[i + 6];
            s7 += m[i + 7];
        }
        for (; i < m.length; i++) s0 += m[i];
        return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** ND4J sgemm of a 4096 x dim by dim x 4096 product: the machine's matrix-multiply rate. */
    private static final class Gemm {
        static final int N = 4096;
        final INDArray a;
        final INDArray b;
        final INDArray c;
        final double flops;

        Gemm(int dim) {
            a = Nd4j.rand(DataType.FLOAT, N, dim);
            b = Nd4j.rand(DataType.FLOAT, N, dim);
            c = Nd4j.create(DataType.FLOAT, N, N);
            flops = 2.0 * N * N * dim;
            Nd4j.gemm(a, b, c, false, true, 1.0, 0.0);
        }

        /** Seconds of one product. */
        double run() {
            long s = System.nanoTime();
            Nd4j.gemm(a, b, c, false, true, 1.0, 0.0);
            return secs(System.nanoTime() - s);
        }
    }

    /** A plain-Java distance kernel (dot products with eight accumulators, rows split over threads), GFLOP/s. */
    private static double plainJavaRate(SyntheticMarket data, int nq, int threads) throws InterruptedException {
        int dim = data.dim();
        int ng = data.ng();
        float[] q = data.queries();
        float[] g = data.gallery();
        float[] out = new float[nq * ng];
        long s = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int from = t * nq / threads;
            final int to = (t + 1) * nq / threads;
            Thread th = new Thread(() -> {
                for (int i = from; i < to; i++) {
                    int qo = i * dim;
                    for (int j = 0; j < ng; j++) {
                        int go = j * dim;
                        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
                        for (int k = 0; k + 8 <= dim; k += 8) {
                            a0 += q[qo + k] * g[go + k];
                            a1 += q[qo + k + 1] * g[go + k + 1];
                            a2 += q[qo + k + 2] * g[go + k + 2];
                            a3 += q[qo + k + 3] * g[go + k + 3];
                            a4 += q[qo + k + 4] * g[go + k + 4];
                            a5 += q[qo + k + 5] * g[go + k + 5];
                            a6 += q[qo + k + 6] * g[go + k + 6];
                            a7 += q[qo + k + 7] * g[go + k + 7];
                        }
                        out[i * ng + j] = 1f - (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
                    }
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) th.join();
        return 2.0 * nq * ng * dim / secs(System.nanoTime() - s) / 1e9;
    }

    // ---- children: one re-ranking each, with its own peak memory ----

    private static void child(String what, double scale, int dim, long seed, int threads, Path dir) throws Exception {
        Labels[] labels = SyntheticMarket.labels(scale, seed);
        int nq = labels[0].size();
        int ng = labels[1].size();
        Map<String, String> r = new LinkedHashMap<>();
        r.put("nq", String.valueOf(nq));
        r.put("ng", String.valueOf(ng));
        r.put("n", String.valueOf(nq + ng));
        RankingEvaluator ev = new RankingEvaluator(labels[0], labels[1],
                new RankingOptions(Protocol.STANDARD, 50, 1, 1, threads), "re-ranked distances");
        KReciprocalReranker.Params p = KReciprocalReranker.Params.defaults();
        KReciprocalReranker.FinalRows sink = (q0, n, block) -> ev.accept(q0, n, block, 0);
        long cpu0;
        long s;
        KReciprocalReranker.Stats stats = null;
        switch (what) {
            case "rerank-engine-embeddings" -> {
                SyntheticMarket data = SyntheticMarket.generate(scale, dim, seed);
                Embeddings q = Embeddings.of("query", data.queries(), nq, dim);
                Embeddings g = Embeddings.of("gallery", data.gallery(), ng, dim);
                data = null;
                settle();
                cpu0 = cpuNanos();
                s = System.nanoTime();
                FeatureDistances src = new FeatureDistances(q, g, Metric.COSINE, threads);
                q = null;
                g = null;
                stats = new KReciprocalReranker(p, threads, 64L << 20, 1L << 30).rerank(src, sink);
            }
            case "rerank-engine-matrices" -> {
                float[] qg = read(dir.resolve("qg.npy"), true);
                float[] qq = read(dir.resolve("qq.npy"), true);
                float[] gg = read(dir.resolve("gg.npy"), true);
                MatrixDistances src = new MatrixDistances(qg, qq, MatrixDistances.inMemory(gg, ng), nq, ng, "matrices in memory");
                qg = null;
                qq = null;
                gg = null;
                settle();
                cpu0 = cpuNanos();
                s = System.nanoTime();
                stats = new KReciprocalReranker(p, threads, 64L << 20, 0).rerank(src, sink);
            }
            case "rerank-engine-files" -> {
                float[] qg = read(dir.resolve("qg.npy"), true);
                float[] qq = read(dir.resolve("qq.npy"), true);
                Path ggFile = dir.resolve("gg.npy");
                MatrixDistances src = new MatrixDistances(qg, qq,
                        MatrixDistances.streamed(ggFile.toString(), () -> Files.newInputStream(ggFile), ng), nq, ng, "gg.npy streamed");
                qg = null;
                qq = null;
                settle();
                cpu0 = cpuNanos();
                s = System.nanoTime();
                stats = new KReciprocalReranker(p, threads, 64L << 20, 0).rerank(src, sink);
            }
            case "rerank-reference" -> {
                float[] qg = read(dir.resolve("qg.npy"), false);
                float[] qq = read(dir.resolve("qq.npy"), false);
                float[] gg = read(dir.resolve("gg.npy"), false);
                settle();
                cpu0 = cpuNanos();
                s = System.nanoTime();
                float[] fin = DenseRerankReference.rerank(qg, qq, gg, nq, ng, p.k1(), p.k2(), p.lambda());
                ev.accept(0, nq, fin, 0);
            }
            default -> throw new IllegalArgumentException("unknown child " + what);
        }
        r.put("seconds", fmt(secs(System.nanoTime() - s)));
        r.put("cpuSeconds", fmt(secs(cpuNanos() - cpu0)));
        r.put("jitSeconds", fmt((java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBase) / 1e3));
        if (stats != null) r.put("phases", stats.toString().replace(' ', '_'));
        r.put("peakRss", String.valueOf(peakRss()));
        RankingMetrics m = ev.result();
        r.put("mAP", String.valueOf(m.mAP()));
        r.put("summary", m.summary().replace(' ', '_'));
        StringBuilder sb = new StringBuilder(RESULT);
        r.forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        System.out.println(sb.toString().trim());
    }

    private static float[] squareInPlace(float[] d) {
        for (int i = 0; i < d.length; i++) d[i] = d[i] * d[i];
        return d;
    }

    /** Collects garbage and resets the peak resident size, so what follows is measured on its own. */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            jitBase = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        } catch (IOException | UnsupportedOperationException e) {
            System.err.println("cannot reset the peak resident size (" + e.getMessage() + "); it covers the whole process");
        }
    }

    /** CPU time of this process so far (all threads, native ones included). */
    static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime();
        return -1;
    }

    /** Peak resident set size of this process in bytes (Linux VmHWM), or -1 where unknown. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, String> runChild(String what, double scale, int dim, long seed, int threads, String xmx,
                                                Path dir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + xmx, "-cp", System.getProperty("java.class.path"),
                EvalBenchmark.class.getName(), "--child", what, "--scale", String.valueOf(scale), "--dim",
                String.valueOf(dim), "--seed", String.valueOf(seed), "--threads", String.valueOf(threads), "--dir", dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.startsWith(RESULT)) continue;
                result = new LinkedHashMap<>();
                for (String kv : line.substring(RESULT.length()).split(" ")) {
                    int eq = kv.indexOf('=');
                    result.put(kv.substring(0, eq), kv.substring(eq + 1).replace('_', ' '));
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || result == null) {
            throw new IllegalStateException(what + " at scale " + scale + " (-Xmx" + xmx + ") failed with exit code " + code);
        }
        return result;
    }

    // ---- helpers ----

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: EvalBenchmark [--dim 2048] [--seed 1] [--repeats 3] [--threads N]"
                        + " [--rerank-scales 0.25,1] [--reference-scales 0.25,1] [--engine-xmx 1g] [--matrix-xmx 1600m]"
                        + " [--files-xmx 700m] [--reference-xmx 10g]"
                        + " [--parts distances,metrics,rerank];"
                        + " bad argument " + args[i]);
            }
            m.put(args[i], args[++i]);
        }
        return m;
    }

    private static List<Double> scales(String s) {
        List<Double> l = new ArrayList<>();
        if (s.isBlank() || s.equals("none")) return l;
        for (String p : s.split(",")) l.add(Double.parseDouble(p.strip()));
        return l;
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private static String gb(String bytes) {
        return String.format(Locale.ROOT, "%.2f", Long.parseLong(bytes) / 1e9);
    }

    private static void out(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
