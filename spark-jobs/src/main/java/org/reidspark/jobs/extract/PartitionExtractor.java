package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.DecodeConfig;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.ImageReadException;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.reidspark.embed.Embedder;
import org.reidspark.embed.TestNetwork;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.jobs.evaluate.SparkEmbedding;
import org.reidspark.model.FloatMemory;
import org.reidspark.run.TestModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One input partition's work, on an executor: its images a batch at a time, read and decoded from image files
 * ({@link DecodingBatches}) or as a shard set stores them ({@link StoredShard}); embed each batch of readable images
 * with the {@link Embedder} (normalize, the method's test network, optional flip, its finishing such as L2 norm); write
 * {@code embeddings.parquet} and {@code unreadable.parquet} parts; then the partition's {@code done/} marker
 * ({@link ExtractFiles}). Deterministic in its inputs, so a retried or resumed partition writes the same rows.
 */
final class PartitionExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionExtractor.class);
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final AtomicBoolean LANES_LOGGED = new AtomicBoolean();
    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(30);

    private PartitionExtractor() {
    }

    /**
     * One input partition: its index and its images, a contiguous run of the sorted input list, and what an S3A listing
     * said of each image's object ({@code listed[i]} for {@code uris[i]}; null where the input was not such a listing);
     * or, with {@code stored}, one shard of a shard set (its images read from the shard's files, in their order).
     */
    record Task(int partition, String[] uris, ListedObject[] listed, StoredShard stored) implements Serializable {
        /** A partition of image files (a prefix's or a manifest's). */
        Task(int partition, String[] uris, ListedObject[] listed) {
            this(partition, uris, listed, null);
        }

        ListedObject listed(int i) {
            return listed == null ? null : listed[i];
        }
    }

    /**
     * What every task shares.
     *
     * @param work           the output's work directory
     * @param modelRunId     the model's run id, stored in every row
     * @param embedding      {@code reid.input} of the model run with the job's {@code reid.embed} and {@code reid.loader}
     * @param decode         {@code reid.decode} of the job (the pixel limit)
     * @param arrays         the test network's arrays, one column each ({@code embedding} first)
     * @param partitions     the partition count (for log lines)
     * @param tasks          the partitions this attempt runs (no more lanes than these)
     * @param lanes          {@link ExtractConfig#lanes()}
     * @param faultPartition {@link ExtractConfig#faultPartition()}
     * @param npy            {@link ExtractConfig#npy()}: each task also writes its part's {@code .npy} and {@code .csv}
     * @param npyValues      with {@code npy}, the most embedding values a task holds for its part's NumPy pair
     *                       ({@link ExtractConfig#npyBuffer()} in floats): a larger part leaves its pair to
     *                       {@link NpyExport}'s pass, which reads it back from the Parquet part
     */
    record Settings(String work, String modelRunId, SparkEmbedding.Settings embedding, DecodeConfig decode, List<String> arrays,
                    int partitions, int tasks, int lanes, int faultPartition, boolean npy, long npyValues) implements Serializable {
    }

    /**
     * What a task did: its partition's rows as it wrote and committed them ({@code embedded}, {@code unreadable}), and
     * whether it wrote the partition's NumPy pair ({@code npy}).
     */
    record Outcome(int partition, int images, int embedded, int unreadable, boolean npy, double seconds) implements Serializable {
    }

    /** An image read and decoded, or why it could not be. */
    record Decoded(String uri, RgbImage image, String problem) {
    }

    /** A partition's images, one batch at a time, in a fixed order. */
    interface Batches extends AutoCloseable {
        /** The next batch (at most the batch size), or null after the last. */
        List<Decoded> next() throws IOException;

        @Override
        void close();
    }

    static Outcome run(Task task, Settings settings, TestModel model) throws IOException {
        long start = System.nanoTime();
        Storage storage = ExecutorHadoop.storage(); // the executor's own Hadoop settings: no credentials in the closure
        InputConfig input = settings.embedding().input();
        int batchSize = settings.embedding().embed().batchSize();
        TaskThreads.Lanes lanes = TaskThreads.lanes(settings.tasks(), settings.lanes());
        if (LANES_LOGGED.compareAndSet(false, true)) LOG.info("extract: forward passes on {}", lanes.reason());
        Resident.pass(lanes, () -> Resident.network(model)); // a lane restores it, unless it holds it
        double openSeconds = (System.nanoTime() - start) / 1e9;
        long waitNanos = 0;
        long embedNanos = 0;
        long writeNanos = 0;
        boolean flip = settings.embedding().embed().flip();
        List<String> arrays = settings.arrays();
        Normalizer normalizer = Normalizer.of(input);

        Path work = Storage.path(settings.work());
        int k = task.partition();
        long attempt = org.reidspark.jobs.PartitionedWork.attempt();
        Path embeddingsFile = ExtractFiles.embeddings(work, k);
        Path unreadableFile = ExtractFiles.unreadable(work, k);
        Path embeddingsTmp = ExtractFiles.temporary(embeddingsFile, attempt);
        Path unreadableTmp = ExtractFiles.temporary(unreadableFile, attempt);
        String[] uris = task.uris();
        String what = "extract partition " + k + " of " + settings.partitions();
        int embedded = 0;
        List<Decoded> bad = new ArrayList<>();
        // the part's embeddings for its .npy, in row order; null when not wanted or past the settings' npyValues
        List<EmbeddingRows.Embedded> npyRows = settings.npy() ? new ArrayList<>() : null;
        long heldValues = 0;
        try (Batches in = task.stored() != null ? task.stored().batches(storage, uris, input, batchSize)
                : new DecodingBatches(task, storage, settings, batchSize);
             ParquetWriter<EmbeddingRows.Row> out = EmbeddingRows.writer(storage, embeddingsTmp, arrays)) {
            int done = 0;
            long lastLog = System.nanoTime();
            INDArray normalized = null;
            while (true) {
                long t0 = System.nanoTime();
                List<Decoded> batch = in.next();
                if (batch == null) break;
                List<Decoded> good = new ArrayList<>(batch.size());
                for (Decoded d : batch) (d.problem() == null ? good : bad).add(d);
                long t1 = System.nanoTime();
                waitNanos += t1 - t0;
                if (!good.isEmpty()) {
                    normalized = normalizer.batch(good.stream().map(Decoded::image).toList(), normalized); // the last one's memory
                    Map<String, INDArray> e = Resident.embed(lanes, model, normalized, flip);
                    float[][][] batchValues = new float[arrays.size()][][]; // [array][row][value], one copy per array
                    for (int a = 0; a < batchValues.length; a++) batchValues[a] = FloatMemory.rows(e.get(arrays.get(a)));
                    long t2 = System.nanoTime();
                    embedNanos += t2 - t1;
                    for (int i = 0; i < good.size(); i++) {
                        float[][] values = new float[arrays.size()][];
                        for (int a = 0; a < values.length; a++) values[a] = batchValues[a][i];
                        out.write(new EmbeddingRows.Row(good.get(i).uri(), values, settings.modelRunId()));
                        embedded++;
                        if (npyRows != null) {
                            heldValues += values[0].length;
                            if (heldValues <= settings.npyValues()) npyRows.add(new EmbeddingRows.Embedded(good.get(i).uri(), values[0]));
                            else npyRows = null;
                        }
                    }
                    writeNanos += System.nanoTime() - t2;
                }
                done += batch.size();
                if (System.nanoTime() - lastLog > PROGRESS_NANOS && done < uris.length) {
                    LOG.info("{}: {}/{} images", what, done, uris.length);
                    lastLog = System.nanoTime();
                }
            }
            if (done != uris.length) {
                throw new IOException(what + ": " + done + " images came in, the partition has " + uris.length);
            }
        }
        try (ParquetWriter<Group> out = ExtractFiles.writer(storage, unreadableTmp, ExtractFiles.UNREADABLE_SCHEMA)) {
            SimpleGroupFactory rows = new SimpleGroupFactory(ExtractFiles.UNREADABLE_SCHEMA);
            for (Decoded d : bad) out.write(ExtractFiles.unreadableRow(rows, d.uri(), d.problem()));
        }
        ExtractFiles.commit(storage, embeddingsTmp, embeddingsFile);
        ExtractFiles.commit(storage, unreadableTmp, unreadableFile);
        if (npyRows != null) NpyExport.write(storage, work, k, NpyExport.Rows.of(npyRows), npyRows.size(), embeddingsFile.toString(), attempt);
        if (k == settings.faultPartition()) {
            throw new IllegalStateException("injected fault (reid.extract.fault-partition = " + k + "): partition " + k
                    + " wrote its files but fails before it is marked complete");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Outcome outcome = new Outcome(k, uris.length, embedded, bad.size(), npyRows != null, seconds);
        Map<String, Object> marker = new LinkedHashMap<>();
        marker.put("partition", k);
        marker.put("images", uris.length);
        marker.put("embedded", embedded);
        marker.put("unreadable", bad.size());
        marker.put("seconds", seconds);
        org.reidspark.jobs.PartitionedWork.writeMarker(storage, work, k, attempt, marker);
        LOG.info("{}: {} images, {} embedded, {} unreadable in {} s ({} images/s; opening the model {} s, waiting for images {} s,"
                        + " normalizing and embedding {} s, writing rows {} s)", what, uris.length, embedded, bad.size(),
                String.format(java.util.Locale.ROOT, "%.1f", seconds),
                String.format(java.util.Locale.ROOT, "%.1f", uris.length / Math.max(seconds, 1e-9)),
                String.format(java.util.Locale.ROOT, "%.2f", openSeconds), String.format(java.util.Locale.ROOT, "%.2f", waitNanos / 1e9),
                String.format(java.util.Locale.ROOT, "%.2f", embedNanos / 1e9), String.format(java.util.Locale.ROOT, "%.2f", writeNanos / 1e9));
        return outcome;
    }

    /**
     * A partition of image files: read and decoded ({@link ImageSource#decoding}: the model run's {@code reid.input}
     * size and alpha rule; S3 objects opened with their listing's status, {@link ListedObject}) on
     * {@code reid.loader.threads} threads, up to {@code reid.loader.prefetch} batches ahead, in the partition's order.
     */
    private static final class DecodingBatches implements Batches {
        private final String[] uris;
        private final ImageSource images;
        private final int batchSize;
        private final int prefetch;
        private final ExecutorService pool;
        private final ArrayDeque<List<Future<Decoded>>> ahead = new ArrayDeque<>();
        private int submitted;

        DecodingBatches(Task task, Storage storage, Settings settings, int batchSize) {
            InputConfig input = settings.embedding().input();
            LoaderConfig loader = settings.embedding().loader();
            ImageDecoder decoder = settings.decode().decoder(Alpha.byName(input.alpha()));
            Map<String, ListedObject> listed = new HashMap<>();
            for (int i = 0; i < task.uris().length; i++) if (task.listed(i) != null) listed.put(task.uris()[i], task.listed(i));
            this.images = ImageSource.decoding(uri -> ListedObject.read(storage, uri, listed.get(uri)), decoder,
                    input.height(), input.width());
            this.uris = task.uris();
            this.batchSize = batchSize;
            this.prefetch = loader.prefetch();
            this.pool = Executors.newFixedThreadPool(loader.threads(), daemon("reid-extract-read-" + POOLS.incrementAndGet() + "-"));
        }

        @Override
        public List<Decoded> next() throws IOException {
            while (ahead.size() < prefetch && submitted < uris.length) {
                List<Future<Decoded>> batch = new ArrayList<>();
                for (int end = Math.min(uris.length, submitted + batchSize); submitted < end; submitted++) {
                    String uri = uris[submitted];
                    batch.add(pool.submit(() -> decode(images, uri)));
                }
                ahead.add(batch);
            }
            List<Future<Decoded>> batch = ahead.poll();
            if (batch == null) return null;
            List<Decoded> out = new ArrayList<>(batch.size());
            for (Future<Decoded> f : batch) out.add(take(f));
            return out;
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /**
     * The executor JVM's network lanes: long-lived daemon threads that run the extract tasks' forward passes, each with
     * its own copy of the network (restored once per broadcast model on that thread; the last model only) and its
     * share of the cores ({@link TaskThreads#lanes}: by default one lane per concurrent task, each with the task's
     * cores; one lane uses ND4J's threads, every core). A task hands each batch to {@link #pass}, which runs it on a
     * free lane. Long-lived threads because DL4J's inference workspaces belong to the thread that runs the pass and are
     * sized over its first four passes, each of which maps and touches about 4 GB of fresh memory for ResNet-50 at
     * batch 64 (1 million page faults, 1 s of a 2.6 s pass; docs/performance.md, "Extraction at the compute rate"): on
     * Spark's task threads every new thread paid that again, here each lane pays it once. Several lanes because a small
     * network's pass does not keep every core busy: two single-threaded passes side by side embedded up to 1.5x the
     * images of one pass on two threads (docs/performance.md; most on a loaded machine), and leave no core spinning at
     * OpenMP's barriers while a task reads or writes; ResNet-50's passes gain a few per cent.
     */
    static final class Resident {
        private static ExecutorService lanes;
        private static TaskThreads.Lanes shape;
        /** The lane thread's network: {the broadcast model it was restored from, the network}. */
        private static final ThreadLocal<Object[]> NETWORK = new ThreadLocal<>();
        /** The OpenMP threads set on the lane thread, 0 before its first pass. */
        private static final ThreadLocal<Integer> THREADS = ThreadLocal.withInitial(() -> 0);

        private Resident() {
        }

        /** The lanes of this JVM, made again (the old ones finishing their passes) when {@code want} differs. */
        private static synchronized ExecutorService lanes(TaskThreads.Lanes want) {
            if (lanes == null || shape.count() != want.count() || shape.threads() != want.threads()) {
                if (lanes != null) lanes.shutdown();
                lanes = Executors.newFixedThreadPool(want.count(), daemon("reid-extract-network-"));
                shape = want;
            }
            return lanes;
        }

        /** The test features of a normalized batch ({@link Embedder#embedBatch}), by a free lane's network for {@code model}. */
        static Map<String, INDArray> embed(TaskThreads.Lanes lanes, TestModel model, INDArray batch, boolean flip) throws IOException {
            return pass(lanes, () -> Embedder.embedBatch(network(model), batch, flip));
        }

        /** The calling lane's network for {@code model}, restored on this thread the first time. */
        static TestNetwork network(TestModel model) {
            Object[] held = NETWORK.get();
            if (held == null || held[0] != model) {
                held = new Object[]{model, model.open()};
                NETWORK.set(held);
            }
            return (TestNetwork) held[1];
        }

        /**
         * Runs {@code work} on a free lane of {@code lanes} (after the passes handed over before it when all are busy),
         * and returns its result; its exception, unchecked as the pass threw it, is the caller's. An interrupted caller
         * stops waiting (a pass that has not started is dropped; one that has runs to its end).
         */
        static <T> T pass(TaskThreads.Lanes lanes, Callable<T> work) throws IOException {
            int threads = lanes.threads();
            Future<T> f = lanes(lanes).submit(() -> {
                // the lane's OpenMP threads, set on its first pass: a failure fails that pass, as its caller sees
                if (threads > 0 && THREADS.get() != threads) {
                    TaskThreads.setThreads(threads);
                    THREADS.set(threads);
                }
                return work.call();
            });
            try {
                return f.get();
            } catch (InterruptedException e) {
                f.cancel(false);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a forward pass", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error r) throw r;
                throw new IOException("a forward pass failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * Reads and decodes one image; an undecodable one is recorded with the decoder's reason, never thrown. A storage
     * failure while reading ({@link ImageReadException}) is thrown: it fails the task, which Spark retries.
     */
    private static Decoded decode(ImageSource images, String uri) {
        try {
            return new Decoded(uri, images.image(uri), null);
        } catch (ImageReadException e) {
            throw e;
        } catch (ImageDecodeException e) {
            LOG.warn("unreadable image {}: {}", uri, e.problem());
            return new Decoded(uri, null, e.problem());
        } catch (RuntimeException e) {
            LOG.warn("unreadable image {}: {}", uri, e.toString());
            return new Decoded(uri, null, "cannot decode: " + e);
        }
    }

    private static Decoded take(Future<Decoded> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading images", e);
        } catch (ExecutionException e) {
            throw new IOException("reading an image failed: " + e.getCause(), e.getCause());
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
