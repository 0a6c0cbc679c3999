package org.reidspark.model;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Java loops split among the calling thread's share of native threads, for the passes the project writes as plain
 * loops next to ND4J's and oneDNN's native ones (BatchNorm's loops, the fused optimizer step): a training task gets
 * as many parts as OpenMP threads it may use ({@code TaskThreads} sets one per Spark task on {@code local[N]}, so
 * the train job's tasks stay on their own thread; a benchmark or a single trainer uses every core).
 *
 * <p>The parts are contiguous ranges of an index space, the first on the calling thread and the others on daemon
 * helper threads; all finish before {@link #forRanges} returns, and a part's failure reaches the caller.
 *
 * <p>{@link #settleBlasThreads()} keeps OpenBLAS's own thread pool (ND4J's {@code INDArray.mmul}: DL4J's dense
 * layers, the losses' small products; {@code Nd4j.gemm} goes to libnd4j's matmul on OpenMP's threads instead) off
 * the cores OpenMP's threads are using in a network's passes.
 */
public final class ThreadShare {
    /**
     * The system property for OpenBLAS's threads once a network runs ({@link #settleBlasThreads}): a count (default
     * 1: the calling thread), or 0 to leave ND4J's setting (one per core).
     */
    public static final String BLAS_THREADS_PROPERTY = "reid.native.blas-threads";
    private static final Logger LOG = LoggerFactory.getLogger(ThreadShare.class);
    private static volatile boolean blasSettled;

    /** Loops over fewer values than this run on the calling thread alone: a helper's hand-off costs more. */
    public static final long MIN_PARALLEL_VALUES = 1L << 15;

    private ThreadShare() {
    }

    /** The work on one part: indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Helper threads: daemon, made as needed, idle ones reused (at most share - 1 busy per calling thread). */
    private static final ExecutorService HELPERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "reid-loop-helper");
        t.setDaemon(true);
        return t;
    });

    /** How many parts a loop over {@code values} values is split into: the calling thread's share, 1 for small loops. */
    public static int parts(long values) {
        return values < MIN_PARALLEL_VALUES ? 1 : nativeThreads();
    }

    /**
     * Runs {@code body} over {@code [0, count)} in {@code parts} contiguous parts (at most one per index): the first on
     * the calling thread, the others on helper threads, all finished before it returns, even when one fails.
     */
    public static void forRanges(int count, int parts, Range body) {
        int n = Math.max(1, Math.min(count, parts));
        if (n == 1) {
            body.run(0, count);
            return;
        }
        List<Future<?>> helpers = new ArrayList<>(n - 1);
        for (int p = 1; p < n; p++) {
            int from = (int) ((long) count * p / n), to = (int) ((long) count * (p + 1) / n);
            helpers.add(HELPERS.submit(() -> body.run(from, to)));
        }
        // every part finishes before this returns: the parts may share the caller's scratch arrays
        Throwable failure = null;
        try {
            body.run(0, count / n);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : helpers) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) failure = e.getCause();
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException("a loop's part failed", failure);
    }

    /**
     * Once per process, before the first training pass ({@link ExternalBackprop#forward}) or the native layers' first
     * pass (training or inference): OpenBLAS's threads to {@value #BLAS_THREADS_PROPERTY} (default 1) on ND4J's CPU
     * backend, logged. OpenBLAS runs a pool of its own beside OpenMP's; its workers wake for the head's and the
     * losses' small products while oneDNN's and libnd4j's OpenMP threads still hold the cores, then spin, yielding,
     * for about 0.1 s, so the two pools oversubscribe the cores. Measured (docs/performance.md, "OpenBLAS's own
     * threads"): a ResNet-18 training step 3-8% faster with 1 thread (alternating in one process), inference no
     * different, the main job's figures the same (the products are small: a 32 x 512 x 751 one takes 0.4 ms on one
     * thread). Inference settles it too, so that a process is in one state whichever pass comes first.
     */
    public static void settleBlasThreads() {
        if (blasSettled) return;
        synchronized (ThreadShare.class) {
            if (blasSettled) return;
            int threads = blasThreads(System.getProperty(BLAS_THREADS_PROPERTY, "1"));
            if (threads > 0 && Nd4j.getEnvironment().isCPU()) {
                int before = Nd4j.factory().blas().getMaxThreads();
                Nd4j.factory().blas().setMaxThreads(threads);
                LOG.info("OpenBLAS threads {} (were {}; {}={}): OpenMP's threads run the layers", threads, before,
                        BLAS_THREADS_PROPERTY, threads);
            }
            blasSettled = true;
        }
    }

    /** The value of {@value #BLAS_THREADS_PROPERTY}: a count >= 0, else a message naming the property. */
    static int blasThreads(String setting) {
        try {
            int n = Integer.parseInt(setting.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("-D" + BLAS_THREADS_PROPERTY + " must be a thread count (0: ND4J's setting), not '"
                + setting + "'");
    }

    /** The calling thread's native thread count on ND4J's CPU backend (OpenMP's, per thread), at least 1. */
    public static int nativeThreads() {
        Nd4j.getBackend(); // ND4J's backend loads its native library before its operations are asked
        return Math.max(1, NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
    }
}
