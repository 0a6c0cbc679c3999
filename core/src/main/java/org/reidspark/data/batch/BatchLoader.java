package org.reidspark.data.batch;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Sample;
import org.reidspark.data.Seeds;
import org.reidspark.data.augment.ImageTransform;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Assembles batches off the training thread: for each batch (a list of sample indices, from a
 * {@link org.reidspark.data.sampling.BatchSampler} or {@link org.reidspark.data.sampling.Sequential}) a worker
 * gets every image from the {@link ImageSource} (decoding if needed), transforms it into each view's float array
 * ({@link ImageTransform}: augmentation and normalization), and wraps each view as a {@code [N, 3, H, W]} INDArray
 * with the labels, the samples' keys and the requested per-sample fields ({@link SampleField}). A small fixed pool
 * of daemon threads works at most {@code prefetch} batches ahead of the consumer; batches come out in order.
 *
 * <p>Deterministic: image {@code i} of batch {@code b} in epoch {@code e} is transformed with a generator seeded by
 * (seed, e, b, i) for the view {@link Batch#IMAGES}, and by (seed, view, e, b, i) for any other view, so the content
 * does not depend on the number of threads or on scheduling. A view may transform another image of the source than the
 * sample's own ({@link ImageTransform#select}: one of its stored surrogates), chosen with the same generator.
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
    private final long[] keys;
    private final ImageSource images;
    private final Map<String, ImageTransform> views;
    private final List<SampleField> fields;
    private final long seed;
    private final int prefetch;
    private final ExecutorService pool;
    private Epoch current;
    private boolean closed;

    /**
     * One view and no extra fields; the samples' keys are their positions in {@code samples} (evaluation and
     * embedding, where keys are not used).
     *
     * @param samples   the samples batches index into
     * @param images    where images come from, by uri
     * @param transform the per-image transform ({@link org.reidspark.data.augment.Augmentation#none} for evaluation)
     * @param config    worker threads and prefetch depth
     * @param seed      the seed augmentation draws derive from
     */
    public BatchLoader(List<Sample> samples, ImageSource images, ImageTransform transform, LoaderConfig config, long seed) {
        this(samples, positions(samples.size()), images, Map.of(Batch.IMAGES, transform), List.of(), config, seed);
    }

    /**
     * @param samples the samples batches index into
     * @param keys    their stable keys, one per sample
     * @param images  where images come from, by uri
     * @param views   image transform per view; must contain {@link Batch#IMAGES}
     * @param fields  extra per-sample arrays every batch carries
     * @param config  worker threads and prefetch depth
     * @param seed    the seed augmentation draws derive from
     */
    public BatchLoader(List<Sample> samples, long[] keys, ImageSource images, Map<String, ImageTransform> views,
                       List<SampleField> fields, LoaderConfig config, long seed) {
        if (keys.length != samples.size()) throw new IllegalArgumentException(samples.size() + " samples but " + keys.length + " keys");
        if (!views.containsKey(Batch.IMAGES)) throw new IllegalArgumentException("no view \"" + Batch.IMAGES + "\": " + views.keySet());
        this.samples = List.copyOf(samples);
        this.keys = keys.clone();
        this.images = images;
        this.views = new LinkedHashMap<>(views);
        this.fields = List.copyOf(fields);
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

    private static long[] positions(int n) {
        long[] k = new long[n];
        for (int i = 0; i < n; i++) k[i] = i;
        return k;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The samples' keys, in the order of {@link #samples()}. */
    public long[] keys() {
        return keys.clone();
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
        int n = indices.length;
        List<String> names = new ArrayList<>(views.keySet());
        float[][] data = new float[names.size()][];
        for (int v = 0; v < data.length; v++) data[v] = new float[n * views.get(names.get(v)).size()];
        int[] labels = new int[n];
        long[] batchKeys = new long[n];
        List<Sample> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (Thread.currentThread().isInterrupted()) throw new CancellationException("batch loader stopped");
            Sample s = samples.get(indices[i]);
            try {
                RgbImage img = images.image(s.uri());
                for (int v = 0; v < data.length; v++) {
                    String view = names.get(v);
                    ImageTransform t = views.get(view);
                    SplittableRandom rnd = view.equals(Batch.IMAGES) ? Seeds.random(seed, STREAM, epoch, index, i)
                            : Seeds.random(seed, STREAM, view.hashCode(), epoch, index, i);
                    t.apply(t.select(s.uri(), img, images, rnd), rnd, data[v], i * t.size());
                }
            } catch (RuntimeException e) {
                throw new BatchLoadException(s.uri(), "cannot load sample " + s.uri() + " (epoch " + epoch + ", batch "
                        + index + ", position " + i + "): " + e.getMessage(), e);
            }
            labels[i] = s.label();
            batchKeys[i] = keys[indices[i]];
            batch.add(s);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int v = 0; v < data.length; v++) {
            ImageTransform t = views.get(names.get(v));
            out.put(names.get(v), Normalizer.nchw(data[v], n, t.height(), t.width()));
        }
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (SampleField f : fields) values.put(f.name(), f.values(batch, batchKeys));
        return new Batch(epoch, index, out, labels, batchKeys, batch, values);
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
