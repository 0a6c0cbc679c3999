package org.reidspark.jobs.augment;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.api.Binary;
import org.reidspark.artifact.Storage;
import org.reidspark.config.Check;
import org.reidspark.data.Seeds;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.augment.StoredSurrogateView;
import org.reidspark.data.augment.Surrogate;
import org.reidspark.data.augment.SurrogateConfig;
import org.reidspark.data.augment.SurrogateCopies;
import org.reidspark.data.augment.SurrogateView;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.perf.NetworkBenchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code augment-bench} (a benchmark, not a test): what making PAUL's surrogates in the augment job costs against making
 * them in the batch loader, side by side in one JVM on one thread, on {@code reid.augment-job.bench.images} generated
 * images at the input size ({@code reid.input}) with {@code reid.augment.surrogate} and {@code reid.augment}:
 * <ul>
 *   <li>the job's work per surrogate, as one of its tasks does it ({@link AugmentPartition}): draw, transform, record
 *       the transform as JSON and write the row to a local Parquet file;</li>
 *   <li>reading those rows back into images, as the train job does when it attaches them to its shards;</li>
 *   <li>the loader's surrogate view made in the loader ({@link SurrogateView}: surrogate, then the base transform)
 *       against the view from stored copies ({@link StoredSurrogateView}: pick a copy, then the base transform).</li>
 * </ul>
 * It prints each rate, the ratio of the job's surrogates/s to the loader's, the loader time a stored surrogate saves
 * per view, the disk bytes per surrogate, and the epochs after which the job's one-off cost (making and reading back S
 * copies per image) is repaid by the loader time saved.
 */
public final class AugmentBenchJob implements Job {
    @Override
    public String name() {
        return "augment-bench";
    }

    @Override
    public String summary() {
        return "benchmark: surrogates made by the augment job vs made in the batch loader (rates, ratio, break-even epochs)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--images", "N", "reid.augment-job.bench.images", "generated images"),
                JobOption.config("--copies", "S", "reid.augment-job.copies", "surrogates per image the job makes"),
                JobOption.config("--rounds", "N", "reid.augment-job.bench.rounds", "loader passes over the images timed"));
    }

    /** A person-like image: a seeded vertical gradient, two coloured blocks and noise. */
    static RgbImage image(int h, int w, long seed) {
        SplittableRandom r = Seeds.random(seed, 0x494D47L);
        int[] top = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
        int[] bottom = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
        byte[] rgb = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean body = Math.abs(x - w / 2) < w / 3;
                for (int c = 0; c < 3; c++) {
                    int v = body ? (y < h / 2 ? top[c] : bottom[c]) : 60 + y * 120 / h;
                    rgb[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v + r.nextInt(21) - 10));
                }
            }
        }
        return new RgbImage(h, w, rgb);
    }

    @Override
    public int run(JobContext ctx) throws IOException {
        Config c = ctx.config();
        Config b = c.getConfig("reid.augment-job.bench");
        int n = Check.inRange("reid.augment-job.bench.images", b.getInt("images"), 1, 1_000_000);
        int rounds = Check.inRange("reid.augment-job.bench.rounds", b.getInt("rounds"), 1, 1000);
        long seed = b.getLong("seed");
        int copies = Check.inRange("reid.augment-job.copies", c.getInt("reid.augment-job.copies"), 1, 1000);
        InputConfig input = InputConfig.from(c);
        SurrogateConfig sc = SurrogateConfig.from(c);
        Augmentation base = new Augmentation(input, AugmentConfig.from(c));
        Surrogate surrogate = new Surrogate(sc);
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) images.add(image(input.height(), input.width(), seed + i));
        var out = ctx.out();
        out.println(NetworkBenchmark.environment());
        out.println(String.format(Locale.ROOT, "augment-bench: %d images at %dx%d, %d copies each, surrogate %s; one thread",
                n, input.height(), input.width(), copies, sc.mode()));

        java.nio.file.Path dir = Files.createTempDirectory("augment-bench");
        Storage storage = ctx.storage();
        Path file = new Path(dir.toUri().toString(), "part-00000.parquet");
        try {
            // warm-up: the JIT compiles the transforms and the writer once
            for (int i = 0; i < Math.min(n, 8); i++) SurrogateCopies.make(surrogate, seed, i, 0, images.get(i));
            long t0 = System.nanoTime();
            try (ParquetWriter<Group> w = PartitionedWork.writer(storage, file, AugmentPartition.SCHEMA)) {
                SimpleGroupFactory rows = new SimpleGroupFactory(AugmentPartition.SCHEMA);
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < copies; k++) {
                        SurrogateCopies.Copy copy = SurrogateCopies.make(surrogate, seed, i, k, images.get(i));
                        w.write(rows.newGroup().append("key", (long) i).append("uri", "bench:" + i).append("copy", k)
                                .append("transform", copy.transformJson()).append("height", copy.image().height())
                                .append("width", copy.image().width()).append("rgb", Binary.fromConstantByteArray(copy.image().rgb()))
                                .append("shard", 0));
                    }
                }
            }
            double jobSeconds = (System.nanoTime() - t0) / 1e9;
            long bytes = FileSystem.getLocal(storage.hadoop()).getFileStatus(file).getLen();

            long t1 = System.nanoTime();
            Map<String, List<RgbImage>> stored = new HashMap<>();
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(storage.hadoop()).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    stored.computeIfAbsent(g.getString("uri", 0), u -> new ArrayList<>())
                            .add(new RgbImage(g.getInteger("height", 0), g.getInteger("width", 0), g.getBinary("rgb", 0).getBytes()));
                }
            }
            double readSeconds = (System.nanoTime() - t1) / 1e9;

            Map<String, RgbImage> own = new HashMap<>();
            for (int i = 0; i < n; i++) own.put("bench:" + i, images.get(i));
            ImageSource source = ImageSource.withCopies(ImageSource.of(own), stored);
            SurrogateView made = new SurrogateView(sc, base);
            StoredSurrogateView fromStore = new StoredSurrogateView(base, "bench");
            float[] dst = new float[base.size()];
            double madeSeconds = 0;
            double storedSeconds = 0;
            double baseSeconds = 0;
            for (int round = -1; round < rounds; round++) { // round -1 warms up
                long a = System.nanoTime();
                for (int i = 0; i < n; i++) made.apply(images.get(i), Seeds.random(seed, 1, round, i), dst, 0);
                long m = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    SplittableRandom rnd = Seeds.random(seed, 1, round, i);
                    String uri = "bench:" + i;
                    fromStore.apply(fromStore.select(uri, own.get(uri), source, rnd), rnd, dst, 0);
                }
                long s = System.nanoTime();
                for (int i = 0; i < n; i++) base.apply(images.get(i), Seeds.random(seed, 1, round, i), dst, 0);
                long e = System.nanoTime();
                if (round >= 0) {
                    madeSeconds += (m - a) / 1e9;
                    storedSeconds += (s - m) / 1e9;
                    baseSeconds += (e - s) / 1e9;
                }
            }
            double surrogates = (double) n * copies;
            double jobRate = surrogates / jobSeconds;
            double readRate = surrogates / readSeconds;
            double views = (double) n * rounds;
            double madeRate = views / madeSeconds;
            double storedRate = views / storedSeconds;
            double baseRate = views / baseSeconds;
            double saved = 1 / madeRate - 1 / storedRate; // loader seconds saved per view
            double oneOff = copies / jobRate + copies / readRate; // seconds per image, once
            out.println(String.format(Locale.ROOT, "  job (make, record, write Parquet): %.1f surrogates/s; %.1f KB per surrogate on disk"
                    + " (%s, snappy)", jobRate, bytes / surrogates / 1024, AugmentPartition.SURROGATES));
            out.println(String.format(Locale.ROOT, "  train job reading them back: %.1f surrogates/s", readRate));
            out.println(String.format(Locale.ROOT, "  loader surrogate view, made in the loader: %.1f views/s; from stored copies: %.1f"
                    + " views/s; base transform alone: %.1f views/s", madeRate, storedRate, baseRate));
            out.println(String.format(Locale.ROOT, "  ratio: the job makes surrogates at %.2fx the loader's rate of making them;"
                            + " a stored surrogate saves %.2f ms of loader time per view (%.2fx faster view)",
                    jobRate / madeRate, saved * 1e3, storedRate / madeRate));
            out.println(saved > 0
                    ? String.format(Locale.ROOT, "  break-even: the job's one-off %.2f ms per image (%d copies made and read back) is"
                    + " repaid after %.1f epochs of loader time (each epoch one surrogate view per image)", oneOff * 1e3, copies, oneOff / saved)
                    : "  break-even: none; the stored view is not faster than making the surrogate in the loader here");
        } finally {
            FileSystem.getLocal(storage.hadoop()).delete(new Path(dir.toUri().toString()), true);
        }
        return 0;
    }
}
