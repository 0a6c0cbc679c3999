package org.reidspark.jobs.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.TaskCompletionListener;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.DecodeConfig;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.shard.ShardPlan;
import org.reidspark.data.shard.ShardSummary;
import org.reidspark.data.shard.Sharder;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

import static org.apache.spark.sql.functions.col;

/**
 * {@code shard}: reads a dataset through its catalog ({@code reid.data}) and publishes a shard set: every image
 * decoded and resized once to the training size ({@code reid.input.height x width}) and stored as Parquet in
 * identity shards ({@code reid.shard}), so that training never decodes JPEGs again.
 *
 * <p>The catalog is read on the driver; the {@link ShardPlan} puts every person's images of a split in one shard;
 * each shard is one Spark task that reads its files through Hadoop (local, s3a://, hdfs://), hashes, decodes and
 * resizes them ({@link Sharder}). Unreadable or corrupt images are skipped, counted and listed; the job fails,
 * publishing nothing, when their fraction exceeds {@code reid.shard.max-bad-fraction}. The output is a run
 * directory ({@link RunDirectory}: written under a temporary name, published with {@code _PUBLISHED}) holding
 * {@code manifest.parquet}, {@code shards/}, {@code bad-images.csv}, {@code shard.json}, {@code config.conf} and
 * {@code run.json}; {@link ShardRows} describes the columns and {@link ShardSet} reads it back.
 */
public final class ShardJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(ShardJob.class);
    /** The shard set's layout version, in {@code shard.json}. */
    static final int FORMAT = 1;

    @Override
    public String name() {
        return "shard";
    }

    @Override
    public String summary() {
        return "read a dataset into manifest.parquet and identity shards of decoded, resized images";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--dataset", "NAME", "reid.data.dataset", "dataset layout (catalog name)"),
                JobOption.config("--root", "PATH", "reid.data.root", "dataset root: local path, s3a://..., hdfs://..."),
                JobOption.config("--output", "PATH", "reid.shard.output", "where the shard set is published"),
                JobOption.config("--shards", "N", "reid.shard.shards", "shards per split (0 = Spark's default parallelism)"),
                JobOption.config("--max-bad-fraction", "F", "reid.shard.max-bad-fraction",
                        "fail when more than this fraction of images is unreadable"));
    }

    /** One shard's work: its samples and their keys (manifest indices). */
    record Task(Split split, int shard, long[] keys, Sample[] samples) implements Serializable {
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        DataConfig data = SynthDatasets.resolve(ctx.config(), ctx.storage());
        Manifest manifest = read(ctx, data);
        SparkSession[] spark = new SparkSession[1];
        try {
            publish(ctx, manifest, () -> {
                spark[0] = SparkSessions.create(ctx);
                return spark[0];
            });
        } finally {
            if (spark[0] != null) spark[0].stop();
        }
        return 0;
    }

    /** The dataset {@code data} names, read through its catalog (errors name the root and the endpoint). */
    public static Manifest read(JobContext ctx, DataConfig data) throws IOException {
        Catalog catalog = Catalogs.of(data);
        return explained("read the dataset root", data.root(), ctx.s3(), () -> catalog.read(ctx.storage(), data.root()));
    }

    /**
     * Shards {@code manifest} into the shard set {@code reid.shard.output} (default
     * {@code <reid.run.output>/<reid.run.name>}) and publishes it. Spark is started through {@code spark} only when
     * needed, and left running for the caller.
     *
     * @return where the shard set was published
     */
    public static Path publish(JobContext ctx, Manifest manifest, java.util.function.Supplier<SparkSession> spark)
            throws IOException {
        ShardConfig config = ShardConfig.from(ctx.config());
        InputConfig input = InputConfig.from(ctx.config());
        S3Config s3 = ctx.s3();
        Storage storage = ctx.storage();
        RunConfig target = config.target(ctx.run());
        String where = new Path(Storage.path(target.output()), target.name()).toString();

        if (!manifest.trainLabeled() && !config.by().equals("image")) {
            throw new ConfigError("the training split of " + manifest.dataset() + " is unlabelled (reid.data.train-labels"
                    + " = none, or a csv without train pids): it has no persons to shard by " + config.by()
                    + "; set reid.shard.by = image");
        }
        if (!target.overwrite() && explained("check the shard set", where, s3, () -> RunDirectory.isPublished(storage, Storage.path(where)))) {
            throw new IOException("shard set " + where + " already exists; choose another "
                    + (config.output().isEmpty() ? "reid.run.name" : "reid.shard.output")
                    + " or set reid.run.overwrite=true to replace it");
        }
        try (RunDirectory dir = explained("create the shard set", where, s3, () -> RunDirectory.createFresh(storage, target, ctx.config(), "shard"))) {
            SparkSession session = spark.get();
            int shards = config.shards() > 0 ? config.shards() : session.sparkContext().defaultParallelism();
            ShardSummary summary = shard(session, manifest, config.plan(manifest.samples(), shards, ctx.run().seed()),
                    input, DecodeConfig.from(ctx.config()), config.maxBadFraction(), dir);
            dir.writeString(ShardSet.BAD_IMAGES, summary.badImagesCsv());
            dir.writeJson(ShardSet.SUMMARY, info(manifest, input, config, shards, summary));
            dir.info("shard", Map.of("samples", summary.total(), "bad", summary.bad(), "shards", shards));
            Path published = dir.publish();
            ctx.out().println("shard: OK, " + (summary.total() - summary.bad()) + " images in " + config.by() + " shards, "
                    + summary.bad() + " bad (listed in " + ShardSet.BAD_IMAGES + "), published " + published);
            return published;
        }
    }

    /**
     * Decodes every shard in its own task, checks the bad fraction, then writes {@code shards/} and
     * {@code manifest.parquet} into {@code dir}.
     *
     * @throws org.reidspark.data.shard.BadImagesError when more images are bad than allowed (nothing is written)
     */
    private static ShardSummary shard(SparkSession spark, Manifest manifest, ShardPlan plan,
                                      InputConfig input, DecodeConfig decode, double maxBadFraction, RunDirectory dir) {
        List<Task> tasks = tasks(manifest, plan);
        LOG.info("shard: {} images of {} into {} train, {} query, {} gallery shards at {}x{}", manifest.samples().size(),
                manifest.dataset(), plan.shards(Split.TRAIN), plan.shards(Split.QUERY), plan.shards(Split.GALLERY),
                input.height(), input.width());
        int height = input.height();
        int width = input.width();
        String alpha = input.alpha();
        long maxPixels = decode.maxPixels();
        JavaRDD<Row> decoded = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(tasks, tasks.size())
                .flatMap(t -> decode(t, height, width, alpha, maxPixels))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            Dataset<Row> all = spark.createDataFrame(decoded, ShardRows.DECODED);
            long[] images = tasks.stream().mapToLong(t -> t.keys().length).toArray();
            List<Row> outcomes;
            try (SparkProgress progress = SparkProgress.open(spark.sparkContext(), "shard", "shards", tasks.size(),
                    manifest.samples().size(), images)) {
                outcomes = new ArrayList<>(all.select(columns(ShardRows.MANIFEST.fieldNames())).collectAsList());
            }
            outcomes.sort(Comparator.comparingLong(ShardRows::key));
            List<Row> manifestRows = new ArrayList<>();
            List<ShardSummary.Item> items = new ArrayList<>();
            for (Row r : outcomes) {
                manifestRows.add(ShardRows.manifest(r));
                items.add(ShardRows.item(r));
            }
            ShardSummary summary = new ShardSummary(items);
            LOG.info("shard: {} of {} images decoded, {} bad ({})", summary.total() - summary.bad(), summary.total(),
                    summary.bad(), String.format(Locale.ROOT, "%.3f%%", 100 * summary.badFraction()));
            summary.check(maxBadFraction);

            all.where(col("status").equalTo(ShardRows.OK)).select(columns(ShardRows.SHARD_COLUMNS))
                    .write().partitionBy("split", "shard").parquet(dir.resolve(ShardSet.SHARDS).toString());
            spark.createDataFrame(manifestRows, ShardRows.MANIFEST).coalesce(1)
                    .write().parquet(dir.resolve(ShardSet.MANIFEST).toString());
            return summary;
        } finally {
            decoded.unpersist(false);
        }
    }

    private static List<Task> tasks(Manifest manifest, ShardPlan plan) {
        List<Task> tasks = new ArrayList<>();
        for (ShardPlan.Group g : plan.groups()) {
            long[] keys = new long[g.indices().size()];
            Sample[] samples = new Sample[keys.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = g.indices().get(i);
                samples[i] = manifest.samples().get(g.indices().get(i));
            }
            tasks.add(new Task(g.split(), g.shard(), keys, samples));
        }
        return tasks;
    }

    /**
     * On an executor: the task's samples read, decoded and resized one at a time, as rows; files are read with the
     * executor's Hadoop configuration ({@link ExecutorHadoop}: the closure carries no credentials).
     */
    static Iterator<Row> decode(Task task, int height, int width, String alpha, long maxPixels) {
        Configuration conf = ExecutorHadoop.configuration();
        Sharder sharder = new Sharder(conf, new ImageDecoder(Alpha.byName(alpha), maxPixels), height, width);
        TaskContext tc = TaskContext.get();
        if (tc != null) tc.addTaskCompletionListener((TaskCompletionListener) context -> sharder.close());
        String what = task.split().lower() + " shard " + task.shard();
        int n = task.keys().length;
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                if (i < n) return true;
                sharder.close();
                return false;
            }

            @Override
            public Row next() {
                if (i >= n) throw new NoSuchElementException();
                Row r = ShardRows.decoded(sharder.shard(task.keys()[i], task.samples()[i], task.shard()));
                i++;
                if (i % 1000 == 0 || i == n) LOG.info("{}: {}/{} images", what, i, n);
                return r;
            }
        };
    }

    private static Map<String, Object> info(Manifest m, InputConfig input, ShardConfig config, int shards, ShardSummary summary) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", FORMAT);
        info.put("dataset", m.dataset());
        info.put("root", m.root());
        info.put("manifestSha256", m.hash());
        info.put("height", input.height());
        info.put("width", input.width());
        info.put("alpha", input.alpha());
        info.put("shardsPerSplit", shards);
        info.put("by", config.by());
        info.put("maxBadFraction", config.maxBadFraction());
        info.put("trainIdentities", m.trainIdentities());
        info.put("clothesClasses", m.clothesClasses());
        info.putAll(summary.counts());
        info.put("manifest", ShardSet.MANIFEST);
        info.put("shardsPath", ShardSet.SHARDS);
        info.put("badImages", ShardSet.BAD_IMAGES);
        return info;
    }

    private static Column[] columns(String[] names) {
        Column[] cols = new Column[names.length];
        for (int i = 0; i < names.length; i++) cols[i] = col(names[i]);
        return cols;
    }

    /** An I/O action for {@link #explained}. */
    public interface IoAction<T> {
        T get() throws IOException;
    }

    /**
     * Runs {@code action}; an I/O failure becomes an error naming what was attempted, the location and, for
     * s3a:// locations, the S3 endpoint in use, so that an unreachable store reads as such.
     */
    public static <T> T explained(String what, String location, S3Config s3, IoAction<T> action) throws IOException {
        try {
            return action.get();
        } catch (IOException | UncheckedIOException e) {
            String hint = "";
            if (location.startsWith("s3a:")) {
                hint = " through S3 endpoint " + (s3.endpoint().isEmpty() ? "(AWS's default)" : s3.endpoint())
                        + " (reid.s3.endpoint)";
            }
            throw new IOException("cannot " + what + " " + location + hint + ": " + e.getMessage(), e);
        }
    }
}
