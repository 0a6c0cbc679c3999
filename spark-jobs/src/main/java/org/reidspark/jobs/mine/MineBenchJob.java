package org.reidspark.jobs.mine;

import com.typesafe.config.Config;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.Check;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.method.paul.NearestNeighbours;
import org.reidspark.perf.NetworkBenchmark;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code mine-bench} (a benchmark, not a test): the mine job's neighbour search ({@link NearestNeighbours}, the kernel
 * each of its tasks runs) on random Gaussian embeddings ({@code reid.mine.bench}: 100,000 x 2048 by default) in one
 * JVM without Spark, with {@code reid.mine.block-size} and the neighbours {@code reid.mine.walk}/{@code nearest}
 * imply. Prints the machine's ND4J sgemm rate measured in the same run (median of 3 {@code 2048^3} products, before
 * and after the search), the distance rate (pairs/s and the GFLOP/s of the {@code 2 D} flops per pair the gemm does),
 * its fraction of the sgemm rate, the resident memory before the search and its peak ({@code VmHWM}) during it against
 * the stated bound (the set {@code 4 N D} + norms {@code 8 N}, then the block's {@link NearestNeighbours#workingBytes}
 * on top), and the time the search
 * would take for all anchors and for MSMT17 (126,441 images, time scaling with {@code N^2}) on this machine.
 */
public final class MineBenchJob implements Job {
    /** MSMT17's image count (train + query + gallery). */
    static final int MSMT17_IMAGES = 126_441;

    /** The current resident size ({@code VmRSS}), 0 where unknown. */
    private static long rss() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public String name() {
        return "mine-bench";
    }

    @Override
    public String summary() {
        return "benchmark of the mine job's blockwise neighbour search: distance rate vs sgemm, peak memory, MSMT17 estimate";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--images", "N", "reid.mine.bench.images", "random embeddings in the set"),
                JobOption.config("--dims", "D", "reid.mine.bench.dims", "their width"),
                JobOption.config("--anchors", "N", "reid.mine.bench.anchors", "anchors timed (0 = all); the rest is extrapolated"),
                JobOption.config("--block-size", "N", "reid.mine.block-size", "anchors per block and set rows per gemm tile"));
    }

    @Override
    public int run(JobContext ctx) {
        Config b = ctx.config().getConfig("reid.mine.bench");
        int images = Check.inRange("reid.mine.bench.images", b.getInt("images"), 2, Integer.MAX_VALUE);
        int dims = Check.positive("reid.mine.bench.dims", b.getInt("dims"));
        int anchors = Check.inRange("reid.mine.bench.anchors", b.getInt("anchors"), 0, images);
        if (anchors == 0) anchors = images;
        long seed = b.getLong("seed");
        int block = Check.inRange("reid.mine.block-size", ctx.config().getInt("reid.mine.block-size"), 1, 32768);
        int k = Math.max(ctx.config().getInt("reid.mine.walk"), ctx.config().getInt("reid.mine.nearest") - 1);
        Check.positive("reid.mine.walk", ctx.config().getInt("reid.mine.walk"));

        var out = ctx.out();
        out.println(NetworkBenchmark.environment());
        double[] gemm = new double[6];
        for (int i = 0; i < 3; i++) gemm[i] = NetworkBenchmark.gemmGflops(2048);
        Nd4j.getRandom().setSeed(seed);
        INDArray set = Nd4j.randn(DataType.FLOAT, images, dims);
        NearestNeighbours search = new NearestNeighbours(set);
        // warm-up: one block
        search.search(0, Math.min(block, anchors), k, block);
        System.gc();
        long before = rss();
        NetworkBenchmark.resetPeakRss();
        long t0 = System.nanoTime();
        NearestNeighbours.Lists lists = search.search(0, anchors, k, block);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = NetworkBenchmark.peakRss();
        for (int i = 3; i < 6; i++) gemm[i] = NetworkBenchmark.gemmGflops(2048);
        double[] sorted = gemm.clone();
        Arrays.sort(sorted);
        double gemmRate = (sorted[2] + sorted[3]) / 2;
        double pairs = (double) anchors * images;
        double gflops = 2.0 * dims * pairs / seconds / 1e9;
        double fullSeconds = seconds * images / anchors;
        double msmt = fullSeconds * Math.pow(MSMT17_IMAGES / (double) images, 2);
        long setBytes = 4L * images * dims + 8L * images;
        long working = NearestNeighbours.workingBytes(block, dims, k);
        out.println(String.format(Locale.ROOT, "mine-bench: %d x %d random embeddings, %d anchors timed, block %d, %d neighbours each",
                images, dims, anchors, block, k));
        out.println(String.format(Locale.ROOT, "  sgemm 2048^3 (same run, 3 before and 3 after): median %.1f GFLOP/s (%s)",
                gemmRate, Arrays.toString(Arrays.stream(gemm).map(g -> Math.round(g * 10) / 10.0).toArray())));
        out.println(String.format(Locale.ROOT, "  search: %.2f s, %.3g distance pairs/s, %.1f GFLOP/s (2*D flops per pair), "
                + "%.1f%% of sgemm", seconds, pairs / seconds, gflops, 100 * gflops / gemmRate));
        out.println(String.format(Locale.ROOT, "  memory: set %d MB (4ND + 8N, off-heap; a mine executor also holds the broadcast"
                        + " copy on heap, +4ND) + working %.1f MB per task (4bD + 8b^2 + 12bk); resident %d MB before the search"
                        + " (JVM, ND4J, the set), peak %d MB during it: +%d MB (JVM heap max %d MB)",
                setBytes >> 20, working / 1048576.0, before >> 20, peak >> 20, (peak - before) >> 20,
                Runtime.getRuntime().maxMemory() >> 20));
        out.println(String.format(Locale.ROOT, "  estimate: all %d anchors %.1f s; MSMT17 scale (%d images, %d-d, N^2) %.1f s = %.1f min"
                        + " on this machine", images, fullSeconds, MSMT17_IMAGES, dims, msmt, msmt / 60));
        if (lists.neighbours().length != anchors) throw new IllegalStateException("search returned " + lists.neighbours().length + " lists");
        return 0;
    }
}
