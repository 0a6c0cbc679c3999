package org.reidspark.data.batch;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.TestImages;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.sampling.IdentitySampler;
import org.reidspark.data.sampling.Sequential;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchLoaderTest {
    private static final InputConfig INPUT = new InputConfig(16, 8, List.of(0.485, 0.456, 0.406),
            List.of(0.229, 0.224, 0.225), "drop");
    private static final Augmentation BOT = new Augmentation(INPUT, new AugmentConfig(0.5, 2, 0.5, 0.02, 0.4, 0.3, "mean"));

    @TempDir
    Path tmp;

    private static List<Sample> samples(int ids, int perId) {
        List<Sample> out = new ArrayList<>();
        for (int id = 0; id < ids; id++) {
            for (int j = 0; j < perId; j++) out.add(new Sample("/mem/" + id + "_" + j + ".png", id + 1, id, j, -1, Split.TRAIN));
        }
        return out;
    }

    private static Map<String, RgbImage> images(List<Sample> samples) {
        Map<String, RgbImage> m = new HashMap<>();
        for (int i = 0; i < samples.size(); i++) m.put(samples.get(i).uri(), TestImages.noise(16, 8, i));
        return m;
    }

    private static List<Batch> drain(BatchLoader.Epoch epoch) {
        List<Batch> out = new ArrayList<>();
        while (epoch.hasNext()) out.add(epoch.next());
        return out;
    }

    private static List<Thread> loaderThreads() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(BatchLoader.THREAD_PREFIX)) out.add(t);
        }
        return out;
    }

    @Test
    void sameBatchesForOneAndThreeThreads() {
        List<Sample> samples = samples(6, 5);
        ImageSource source = ImageSource.of(images(samples));
        IdentitySampler sampler = new IdentitySampler(samples, 3, 2, 9);
        List<List<Batch>> runs = new ArrayList<>();
        for (int threads : new int[]{1, 3}) {
            try (BatchLoader loader = new BatchLoader(samples, source, BOT, new LoaderConfig(threads, 2), 77)) {
                List<Batch> all = new ArrayList<>();
                for (int epoch = 0; epoch < 2; epoch++) all.addAll(drain(loader.epoch(epoch, sampler.epoch(epoch))));
                runs.add(all);
            }
        }
        List<Batch> one = runs.get(0);
        List<Batch> three = runs.get(1);
        assertEquals(sampler.epoch(0).size() + sampler.epoch(1).size(), one.size());
        assertEquals(one.size(), three.size());
        for (int i = 0; i < one.size(); i++) {
            Batch a = one.get(i);
            Batch b = three.get(i);
            assertArrayEquals(new long[]{6, 3, 16, 8}, a.images().shape());
            assertEquals(a.epoch(), b.epoch());
            assertEquals(a.index(), b.index());
            assertArrayEquals(a.labels(), b.labels());
            assertEquals(a.images(), b.images(), "batch " + i);
            for (int j = 0; j < a.size(); j++) assertEquals(a.samples().get(j).label(), a.labels()[j]);
        }
        // the augmentation really is random: the two epochs' images of one sample differ
        assertFalse(one.get(0).images().equals(one.get(one.size() - 1).images()));
    }

    @Test
    void evaluationBatchesAreResizedAndNormalizedInOrder() {
        List<Sample> samples = samples(2, 3);
        Map<String, RgbImage> imgs = images(samples);
        try (BatchLoader loader = new BatchLoader(samples, ImageSource.of(imgs), Augmentation.none(INPUT),
                new LoaderConfig(2, 1), 1)) {
            List<Batch> batches = drain(loader.epoch(0, Sequential.batches(samples.size(), 4)));
            assertEquals(2, batches.size());
            Normalizer n = Normalizer.of(INPUT);
            List<RgbImage> first = new ArrayList<>();
            for (int i = 0; i < 4; i++) first.add(imgs.get(samples.get(i).uri()));
            assertEquals(n.batch(first), batches.get(0).images());
            assertArrayEquals(new long[]{2, 3, 16, 8}, batches.get(1).images().shape());
        }
    }

    @Test
    void decodesFilesAndReportsTheFailingUriOnTheConsumerSide() throws IOException {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path p = tmp.resolve("img" + i + ".png");
            BufferedImage img = new BufferedImage(10, 20, BufferedImage.TYPE_3BYTE_BGR);
            img.setRGB(i, i, 0xFFFFFF);
            ImageIO.write(img, "png", p.toFile());
            samples.add(new Sample(p.toString(), i + 1, i, 0, -1, Split.TRAIN));
        }
        String bad = tmp.resolve("img5.png").toString();
        Files.write(Path.of(bad), new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        ImageSource source = ImageSource.decoding(new Storage(new Configuration()), INPUT);
        try (BatchLoader loader = new BatchLoader(samples, source, BOT, new LoaderConfig(2, 3), 5)) {
            BatchLoader.Epoch epoch = loader.epoch(0, Sequential.batches(8, 2));
            assertArrayEquals(new long[]{2, 3, 16, 8}, epoch.next().images().shape()); // decoded and resized from 20x10
            epoch.next();
            BatchLoadException e = assertThrows(BatchLoadException.class, epoch::next);
            assertEquals(bad, e.uri());
            assertTrue(e.getMessage().contains(bad) && e.getMessage().contains("batch 2"), e.getMessage());
            assertFalse(epoch.hasNext(), "the epoch stops at the error");
        }
    }

    @Test
    void closeStopsEveryWorkerEvenMidEpoch() throws InterruptedException {
        List<Sample> samples = samples(4, 4);
        Map<String, RgbImage> imgs = images(samples);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger loads = new AtomicInteger();
        ImageSource slow = uri -> {
            started.countDown();
            loads.incrementAndGet();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            return imgs.get(uri);
        };
        BatchLoader loader = new BatchLoader(samples, slow, BOT, new LoaderConfig(3, 4), 1);
        List<int[]> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) many.add(Sequential.batches(16, 16).get(0));
        BatchLoader.Epoch epoch = loader.epoch(0, many);
        epoch.next();
        started.await();
        assertFalse(loaderThreads().isEmpty());
        loader.close();
        // close() returns once the pool has terminated; a worker thread can still be unwinding its run() for a moment
        for (Thread t : loaderThreads()) t.join(10_000);
        assertTrue(loaderThreads().isEmpty(), "loader threads alive after close: " + loaderThreads());
        assertTrue(loads.get() < 50 * 16, "work was abandoned, not finished: " + loads.get());
        assertThrows(IllegalStateException.class, epoch::next);
        assertThrows(IllegalStateException.class, () -> loader.epoch(1, many));
        loader.close(); // idempotent
    }

    @Test
    void loaderConfigDefaults() {
        assertEquals(new LoaderConfig(2, 4), LoaderConfig.from(ConfigLoader.load(List.of())));
        assertThrows(org.reidspark.config.ConfigError.class, () -> new LoaderConfig(0, 4));
    }
}
