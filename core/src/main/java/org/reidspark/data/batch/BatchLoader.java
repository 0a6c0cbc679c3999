package org.reidspark.data.batch;

import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Sample;
import org.reidspark.data.Seeds;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Assembles batches off the training thread: for each batch (a list of sample indices, from an
 * {@link org.reidspark.data.sampling.IdentitySampler} or {@link org.reidspark.data.sampling.Sequential}) a worker
 * gets every image from the {@link ImageSource} (decoding if needed), augments and normalizes it into one float
 * array, and wraps it as a {@code [N, 3, H, W]} INDArray with the labels. A small fixed pool of daemon threads
 * works at most {@code prefetch} batches ahead of the consumer; batches come out in order.
 *
 * <p>Deterministic: image {@code i} of batch {@code b} in epoch {@code e} is augmented with a generator seeded by
 * (seed, e, b, i), so the content does not depend on the number of threads or on scheduling.
 * A failure in a worker reaches the consumer as a {@link BatchLoadException} naming the sample's uri.
 * {@link #close()} stops the workers and waits for them.
 */
public final class BatchLoader implements AutoCloseable {
    /** Worker threads are named {@code reid-loader-<loader>-<n>}. */
    public static final String THREAD_PREFIX = "reid-loader-";
    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);
    private static final long STREAM = 0x41554745L; // tags the augmentation random stream
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final List<Sample> samples;
    private final ImageSource images;
    private final Augmentation augmentation;
    private final long seed;
    private final int prefetch;
    private final ExecutorService pool;
    private Epoch current;
    private boolean closed;

    /**
     * @param samples      the samples batches index into
     * @param images       where images come from, by uri
     * @param augmentation the per-image transform ({@link Augmentation#none} for evaluation)
     * @param config       worker threads and prefetch depth
     * @param seed         the seed augmentation draws derive from
     */
    public BatchLoader(List<Sample> samples, ImageSource images, Augmentation augmentation, LoaderConfig config, long seed) {
        this.samples = List.copyOf(samples);
        this.images = images;
        this.augmentation = augmentation;
        this.seed = seed;
        this.prefetch = config.prefetch();
        String prefix = THREAD_PREFIX + LOADERS.incrementAndGet() + "-";
        AtomicInteger n = new AtomicInteger();
        // Batches are INDArrays: on ND4J's CUDA backend the workers allocate on the device of the thread that
        // consumes them (a Spark task bound to its GPU), not on device 0. A no-op on the CPU backend.
        int device = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        this.pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(() -> {
                Nd4j.getAffinityManager().unsafeSetDevice(device);
                r.run();
            }, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        LOG.debug("batch loader over {} samples: {} threads, prefetch {}", samples.size(), config.threads(), prefetch);
    }

    public List<Sample> samples() {
        return samples;
    }

    /**
     * Starts assembling {@code batches} of epoch {@code epoch} in the background and returns them in order.
     * A previous epoch still running is closed first.
     */
    public synchronized Epoch epoch(int epoch, List<int[]> batches) {
        if (closed) throw new IllegalStateException("batch loader is closed");
        for (int[] b : batches) {
            if (b.length == 0) throw new IllegalArgumentException("empty batch in epoch " + epoch);
            for (int i : b) {
                if (i < 0 || i >= samples.size()) {
                    throw new IndexOutOfBoundsException("sample index " + i + " in epoch " + epoch + " outside 0.."
                            + (samples.size() - 1));
                }
            }
        }
        if (current != null) current.close();
        current = new Epoch(epoch, List.copyOf(batches));
        return current;
    }

    /** Assembles one batch on the calling thread (what each worker does). */
    public Batch assemble(int epoch, int index, int[] indices) {
        int size = augmentation.size();
        float[] data = new float[indices.length * size];
        int[] labels = new int[indices.length];
        List<Sample> batch = new ArrayList<>(indices.length);
        for (int i = 0; i < indices.length; i++) {
            if (Thread.currentThread().isInterrupted()) throw new CancellationException("batch loader stopped");
            Sample s = samples.get(indices[i]);
            try {
                RgbImage img = images.image(s.uri());
                augmentation.apply(img, Seeds.random(seed, STREAM, epoch, index, i), data, i * size);
            } catch (RuntimeException e) {
                throw new BatchLoadException(s.uri(), "cannot load sample " + s.uri() + " (epoch " + epoch + ", batch "
                        + index + ", position " + i + "): " + e.getMessage(), e);
            }
            labels[i] = s.label();
            batch.add(s);
        }
        return new Batch(epoch, index, Normalizer.nchw(data, indices.length, augmentation.height(), augmentation.width()),
                labels, batch);
    }

    /** Stops the workers (abandoning batches not yet taken) and waits for them to end. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (current != null) current.close();
        }
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) LOG.warn("batch loader threads did not stop within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One epoch's batches, in order, assembled ahead by the loader's workers. Not for use by several threads. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final List<int[]> batches;
        private final ArrayDeque<Future<Batch>> pending = new ArrayDeque<>();
        private int submitted;
        private int taken;
        private boolean stopped;

        private Epoch(int epoch, List<int[]> batches) {
            this.epoch = epoch;
            this.batches = batches;
            fill();
        }

        /** Number of batches in the epoch. */
        public int size() {
            return batches.size();
        }

        private void fill() {
            synchronized (BatchLoader.this) {
                while (!stopped && !closed && submitted < batches.size() && pending.size() < prefetch) {
                    int index = submitted++;
                    int[] indices = batches.get(index);
                    pending.add(pool.submit(() -> assemble(epoch, index, indices)));
                }
            }
        }

        @Override
        public boolean hasNext() {
            return !stopped && taken < batches.size();
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw stopped && taken < batches.size()
                        ? new IllegalStateException("epoch " + epoch + " was stopped (an error, a newer epoch, or close)")
                        : new NoSuchElementException("epoch " + epoch + " has " + batches.size() + " batches");
            }
            fill();
            Future<Batch> next = pending.poll();
            if (next == null) throw new IllegalStateException("batch loader is closed");
            Batch batch;
            try {
                batch = next.get();
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof BatchLoadException b) throw new BatchLoadException(b.uri(), b.getMessage(), b);
                throw new BatchLoadException(null, "batch loader worker failed on batch " + taken + " of epoch " + epoch
                        + ": " + cause, cause);
            } catch (CancellationException e) {
                close();
                throw new IllegalStateException("batch loader is closed", e);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for batch " + taken + " of epoch " + epoch, e);
            }
            taken++;
            fill();
            return batch;
        }

        /** Abandons the batches not yet taken. */
        @Override
        public void close() {
            synchronized (BatchLoader.this) {
                stopped = true;
                for (Future<Batch> f : pending) f.cancel(true);
                pending.clear();
            }
        }
    }
}
