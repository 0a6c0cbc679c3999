package org.reidspark.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Runs index ranges on a few threads, handing out small chunks so uneven work balances (an internal helper of the evaluation code). */
public final class Parallel {
    private Parallel() {
    }

    /** Work on indices {@code [from, to)} with per-worker state. */
    public interface Body<S> {
        void run(int from, int to, S state) throws Exception;
    }

    /**
     * Calls {@code body} on chunks of {@code [0, n)} from {@code threads} workers (the caller is one of them);
     * each worker gets its own state from {@code state}. The first exception thrown is rethrown (unchecked ones
     * as they are, checked ones wrapped) after all workers stop.
     */
    public static <S> void forChunks(int threads, int n, int chunk, java.util.function.Supplier<S> state, Body<S> body) {
        if (n <= 0) return;
        int workers = Math.max(1, Math.min(threads, (n + chunk - 1) / chunk));
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            S s = state.get();
            try {
                while (failure.get() == null) {
                    int from = next.getAndAdd(chunk);
                    if (from >= n) break;
                    body.run(from, Math.min(n, from + chunk), s);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        List<Thread> started = new ArrayList<>();
        for (int i = 1; i < workers; i++) {
            Thread t = new Thread(worker, "reid-eval-" + i);
            t.setDaemon(true);
            t.start();
            started.add(t);
        }
        worker.run();
        for (Thread t : started) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for evaluation threads", e);
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new java.io.UncheckedIOException(t instanceof java.io.IOException io ? io
                : new java.io.IOException(t.getMessage(), t));
    }
}
