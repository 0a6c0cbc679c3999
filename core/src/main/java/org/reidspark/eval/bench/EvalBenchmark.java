package org.reidspark.eval.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingEvaluator;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.RankingOptions;
import org.reidspark.eval.rerank.FeatureDistances;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.reidspark.eval.rerank.MatrixDistances;

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
 * [--engine-xmx 1g] [--matrix-xmx 1700m] [--reference-xmx 10g] [--parts distances,metrics,rerank]}.
 */
public final class EvalBenchmark {
    private static final String RESULT = "RESULT ";

    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        int dim = Integer.parseInt(opt.getOrDefault("--dim", "2048"));
        long seed = Long.parseLong(opt.getOrDefault("--seed", "1"));
        int threads = Integer.parseInt(opt.getOrDefault("--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        if (opt.containsKey("--child")) {
            child(opt.get("--child"), Double.parseDouble(opt.get("--scale")), dim, seed, threads);
            return;
        }
        int repeats = Integer.parseInt(opt.getOrDefault("--repeats", "3"));
        List<Double> rerankScales = scales(opt.getOrDefault("--rerank-scales", "0.25,1"));
        List<Double> referenceScales = scales(opt.getOrDefault("--reference-scales", "0.25,1"));
        String engineXmx = opt.getOrDefault("--engine-xmx", "1g");
        String matrixXmx = opt.getOrDefault("--matrix-xmx", "1700m");
        String referenceXmx = opt.getOrDefault("--reference-xmx", "10g");
        List<String> parts = List.of(opt.getOrDefault("--parts", "distances,metrics,rerank").split(","));

        out("reid-spark evaluation benchmark: %d processors, %s, Java %s, OMP_NUM_THREADS=%s, max heap %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), System.getProperty("java.version"),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"), gib(Runtime.getRuntime().maxMemory()));
        if (parts.contains("distances") || parts.contains("metrics")) distancesAndMetrics(dim, seed, threads, repeats);
        if (parts.contains("rerank")) rerank(dim, seed, threads, rerankScales, referenceScales, engineXmx, matrixXmx, referenceXmx);
    }

    private static void distancesAndMetrics(int dim, long seed, int threads, int repeats) throws Exception {
        long t = System.nanoTime();
        SyntheticMarket data = SyntheticMarket.generate(1.0, dim, seed);
        out("data: %d queries x %d gallery, %d identities, %d cameras, %d-d embeddings (generated in %.1f s)",
                data.nq(), data.ng(), SyntheticMarket.IDENTITIES, SyntheticMarket.CAMERAS, dim, secs(System.nanoTime() - t));

        // ---- distances ----
        double gemmRate = gemmRate(dim, repeats);
        Embeddings q = Embeddings.of("query", data.queries(), data.nq(), dim);
        Embeddings g = Embeddings.of("gallery", data.gallery(), data.ng(), dim);
        float[] dist = null;
        double best = Double.MAX_VALUE;
        double flops = 2.0 * data.nq() * data.ng() * dim;
        for (int r = 0; r < Math.max(1, repeats - 1); r++) {
            dist = null;
            long s = System.nanoTime();
            dist = new DistanceBlocks(q, g, Metric.COSINE).threads(threads).matrix();
            best = Math.min(best, secs(System.nanoTime() - s));
        }
        double distRate = flops / best / 1e9;
        out("distances from embeddings (cosine, %d x %d x %d = %.1f GFLOP, into a float[] matrix): %.3f s = %.1f GFLOP/s"
                        + " = %.0f%% of the matrix-multiply rate [target >= 50%%]",
                data.nq(), data.ng(), dim, flops / 1e9, best, distRate, 100 * distRate / gemmRate);
        double javaRate = plainJavaRate(data, Math.min(256, data.nq()), threads);
        out("  plain-Java dot-product kernel (%d threads, 256 queries): %.1f GFLOP/s; ND4J gemm is %.1fx faster",
                threads, javaRate, distRate / javaRate);

        // ---- metrics ----
        out("metrics from the matrix (%d x %d = %.1f M distances, standard protocol, max rank 50):",
                data.nq(), data.ng(), dist.length / 1e6);
        double sum = bestOf(repeats, dist, EvalBenchmark::sumPass);
        out("  one sequential pass summing the matrix: %.4f s", sum);
        RankingMetrics[] got = new RankingMetrics[1];
        final float[] d = dist;
        double one = bestOf(repeats, d, m -> got[0] = metrics(m, data, 1));
        double many = bestOf(repeats, d, m -> metrics(m, data, threads));
        out("  this engine, 1 thread: %.4f s = %.1fx the sum pass [target <= 5x]", one, one / sum);
        out("  this engine, %d threads: %.4f s", threads, many);
        long s = System.nanoTime();
        double[] ref = FullSortReference.evaluate(d, data.queryLabels(), data.galleryLabels(), 50);
        double full = secs(System.nanoTime() - s);
        out("  full-sort reference (sort every row, then scan), 1 thread: %.3f s; the engine is %.0fx faster on 1 thread,"
                + " %.0fx on %d [target >= 10x]", full, full / one, full / many, threads);
        double maxDiff = Math.abs(ref[50] - got[0].mAP()) + Math.abs(ref[51] - got[0].mINP());
        for (int k = 0; k < 50; k++) maxDiff = Math.max(maxDiff, Math.abs(ref[k] - got[0].cmc()[k]));
        out("  same results: engine %s; reference Rank-1 %.2f%%, mAP %.2f%%, mINP %.2f%%, %d valid (largest difference %.1e)",
                got[0].summary(), 100 * ref[0], 100 * ref[50], 100 * ref[51], (int) ref[52], maxDiff);
    }

    private static void rerank(int dim, long seed, int threads, List<Double> rerankScales, List<Double> referenceScales,
                               String engineXmx, String matrixXmx, String referenceXmx) throws Exception {
        out("re-ranking (k1 20, k2 6, lambda 0.3; cosine distances of the same embeddings), each run in its own JVM;");
        out("time and peak resident memory (whole process: JVM, native libraries and inputs included) of the re-ranking alone:");
        for (double scale : rerankScales) {
            Map<String, String> m = runChild("rerank-engine-matrices", scale, dim, seed, threads, matrixXmx);
            Map<String, String> e = runChild("rerank-engine-embeddings", scale, dim, seed, threads, engineXmx);
            Map<String, String> r = referenceScales.contains(scale)
                    ? runChild("rerank-reference", scale, dim, seed, threads, referenceXmx) : null;
            out("  scale %s (%s queries + %s gallery = %s images):", scale, m.get("nq"), m.get("ng"), m.get("n"));
            out("    engine from the distance matrices in memory (%d threads, -Xmx%s): %s s (CPU %s s), peak RSS %s GB; %s",
                    threads, matrixXmx, m.get("seconds"), m.get("cpuSeconds"), gb(m.get("peakRss")), m.get("summary"));
            out("    engine from the embeddings, distances included (%d threads, -Xmx%s): %s s (CPU %s s), peak RSS %s GB; %s",
                    threads, engineXmx, e.get("seconds"), e.get("cpuSeconds"), gb(e.get("peakRss")), e.get("summary"));
            if (r != null) {
                out("    dense reference from the distance matrices in memory (1 thread, -Xmx%s): %s s (CPU %s s), peak RSS %s GB; %s",
                        referenceXmx, r.get("seconds"), r.get("cpuSeconds"), gb(r.get("peakRss")), r.get("summary"));
                out("    from the same matrices the engine is %.1fx faster with %.1fx less memory; largest |mAP difference| %.1e",
                        Double.parseDouble(r.get("seconds")) / Double.parseDouble(m.get("seconds")),
                        Double.parseDouble(r.get("peakRss")) / Double.parseDouble(m.get("peakRss")),
                        Math.max(Math.abs(Double.parseDouble(r.get("mAP")) - Double.parseDouble(m.get("mAP"))),
                                Math.abs(Double.parseDouble(r.get("mAP")) - Double.parseDouble(e.get("mAP")))));
            }
            out("    (engine from matrices: %s)", m.get("phases"));
            out("    (engine from embeddings: %s)", e.get("phases"));
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

    private interface Pass {
        Object run(float[] m);
    }

    private static double bestOf(int repeats, float[] m, Pass pass) {
        double best = Double.MAX_VALUE;
        Object sink = null;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            long s = System.nanoTime();
            sink = pass.run(m);
            best = Math.min(best, secs(System.nanoTime() - s));
        }
        if (sink == null) throw new IllegalStateException();
        return best;
    }

    /** ND4J sgemm of a 4096 x dim by dim x 4096 product, best of {@code repeats}, in GFLOP/s. */
    private static double gemmRate(int dim, int repeats) {
        int n = 4096;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, dim);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, dim);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, true, 1.0, 0.0);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            long s = System.nanoTime();
            Nd4j.gemm(a, b, c, false, true, 1.0, 0.0);
            best = Math.min(best, secs(System.nanoTime() - s));
        }
        double rate = 2.0 * n * n * dim / best / 1e9;
        out("matrix multiply (ND4J sgemm, %d x %d x %d, best of %d): %.3f s = %.1f GFLOP/s", n, dim, n, repeats, best, rate);
        return rate;
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

    private static void child(String what, double scale, int dim, long seed, int threads) throws Exception {
        SyntheticMarket data = SyntheticMarket.generate(scale, dim, seed);
        int nq = data.nq();
        int ng = data.ng();
        Map<String, String> r = new LinkedHashMap<>();
        r.put("nq", String.valueOf(nq));
        r.put("ng", String.valueOf(ng));
        r.put("n", String.valueOf(nq + ng));
        RankingEvaluator ev = new RankingEvaluator(data.queryLabels(), data.galleryLabels(),
                new RankingOptions(Protocol.STANDARD, 50, 1, 1, threads), "re-ranked distances");
        KReciprocalReranker.Params p = KReciprocalReranker.Params.defaults();
        if (what.equals("rerank-engine-embeddings")) {
            Embeddings q = Embeddings.of("query", data.queries(), nq, dim);
            Embeddings g = Embeddings.of("gallery", data.gallery(), ng, dim);
            data = null;
            settle();
            long cpu0 = cpuNanos();
            long s = System.nanoTime();
            FeatureDistances src = new FeatureDistances(q, g, Metric.COSINE, threads);
            q = null;
            g = null;
            KReciprocalReranker.Stats stats = new KReciprocalReranker(p, threads, 64L << 20, 1L << 30)
                    .rerank(src, (q0, n, block) -> ev.accept(q0, n, block, 0));
            r.put("seconds", fmt(secs(System.nanoTime() - s)));
            r.put("cpuSeconds", fmt(secs(cpuNanos() - cpu0)));
            r.put("phases", stats.toString().replace(' ', '_'));
        } else {
            Embeddings q = Embeddings.of("query", data.queries(), nq, dim);
            Embeddings g = Embeddings.of("gallery", data.gallery(), ng, dim);
            float[] qg = new DistanceBlocks(q, g, Metric.COSINE).matrix();
            float[] qq = DistanceBlocks.self(q, Metric.COSINE).matrix();
            float[] gg = DistanceBlocks.self(g, Metric.COSINE).matrix();
            data = null;
            q = null;
            g = null;
            settle();
            long cpu0 = cpuNanos();
            long s = System.nanoTime();
            if (what.equals("rerank-engine-matrices")) {
                MatrixDistances src = new MatrixDistances(squareInPlace(qg), squareInPlace(qq),
                        MatrixDistances.inMemory(squareInPlace(gg), ng), nq, ng, "cosine distance matrices");
                qg = null;
                qq = null;
                gg = null;
                KReciprocalReranker.Stats stats = new KReciprocalReranker(p, threads, 64L << 20, 0)
                        .rerank(src, (q0, n, block) -> ev.accept(q0, n, block, 0));
                r.put("seconds", fmt(secs(System.nanoTime() - s)));
                r.put("cpuSeconds", fmt(secs(cpuNanos() - cpu0)));
                r.put("phases", stats.toString().replace(' ', '_'));
            } else {
                float[] fin = DenseRerankReference.rerank(qg, qq, gg, nq, ng, p.k1(), p.k2(), p.lambda());
                r.put("seconds", fmt(secs(System.nanoTime() - s)));
                r.put("cpuSeconds", fmt(secs(cpuNanos() - cpu0)));
                ev.accept(0, nq, fin, 0);
            }
        }
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

    private static Map<String, String> runChild(String what, double scale, int dim, long seed, int threads, String xmx)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + xmx, "-cp", System.getProperty("java.class.path"),
                EvalBenchmark.class.getName(), "--child", what, "--scale", String.valueOf(scale), "--dim",
                String.valueOf(dim), "--seed", String.valueOf(seed), "--threads", String.valueOf(threads)));
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
                        + " [--rerank-scales 0.25,1] [--reference-scales 0.25,1] [--engine-xmx 1g] [--reference-xmx 10g]"
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
