package org.reidspark.jobs.generate;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.Split;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.jobs.shard.ShardSet;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.method.dgnet.AppearanceCodes;
import org.reidspark.method.dgnet.DgNetGeneration;
import org.reidspark.method.dgnet.DgNetMethod;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;
import org.reidspark.train.NetworkSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * {@code generate}: DG-Net's cross-identity images (https://arxiv.org/abs/1904.07223, section 3.1: {@code G(a_i, s_j)},
 * person j's structure in person i's clothes) of a shard set's training images, made in parallel from a trained DG-Net
 * run.
 *
 * <p><b>Input.</b> A published DG-Net training run ({@code reid.generate-job.model}) and the published shard set of its
 * training data ({@code reid.generate-job.shards}: same training identities, image size = the run's input).
 *
 * <p><b>Work.</b> First the appearance codes {@code a = Ea(x)} of every training image, one task per shard, collected
 * and broadcast ({@link AppearanceCodes}, about 4C floats per image); then one task per training shard
 * ({@link GeneratePartition}): the structure codes of its images and, for each of {@code reid.generate-job.copies}
 * copies, the decoding with the donor drawn by ({@code reid.run.seed}, structure key, copy) among the other identities'
 * images, and the soft label of the generated image (the run's teacher, flip-averaged, else Ea's primary head). All in
 * inference mode, so a rerun, a retried task or another partitioning writes the same images.
 *
 * <p><b>Output</b>, a run directory ({@link RunDirectory}: {@code ._incomplete-<name>} until published), a generated set:
 * {@code generated/part-<k>.parquet} (one per training shard, {@link GeneratePartition#SCHEMA}), {@code generate.json}
 * (model, input, counts, timings), {@code contact-sheet.png} (structure, appearance donor and generated image of the
 * first rows), {@code plan.json} and {@code done/} ({@link PartitionedWork}: a rerun after a crash redoes only the
 * partitions without a marker, and refuses another model, input or settings), {@code config.conf}, {@code run.json}.
 */
public final class GenerateJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);
    /** The output's layout version, in {@code generate.json}. */
    static final int FORMAT = 1;
    public static final String SUMMARY = "generate.json";
    static final String SHEET = "contact-sheet.png";
    /** Generated images on the contact sheet. */
    static final int SHEET_ROWS = 8;

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "DG-Net's cross-identity images of a shard set's training images from a trained run, in parallel (resumable)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--model", "RUN", GenerateJobConfig.SECTION + ".model", "the published DG-Net run that generates"),
                JobOption.config("--shards", "PATH", GenerateJobConfig.SECTION + ".shards", "the published shard set of its training data"),
                JobOption.config("--output", "PATH", GenerateJobConfig.SECTION + ".output", "where the generated set is published"),
                JobOption.config("--copies", "N", GenerateJobConfig.SECTION + ".copies", "generated images per training image"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        GenerateJobConfig config = GenerateJobConfig.from(ctx.config());
        long seed = ctx.run().seed();
        Storage storage = ctx.storage();
        S3Config s3 = ctx.s3();
        TrainedModel model = explained("open the model (" + GenerateJobConfig.SECTION + ".model)", config.model(), s3,
                () -> TrainedModel.open(storage, config.model()));
        if (!(model.method() instanceof DgNetMethod dgnet)) {
            throw ConfigError.badValue(GenerateJobConfig.SECTION + ".model", config.model(), "a DG-Net run (this one's method is "
                    + model.method().name() + ")");
        }
        ShardSet shards = explained("open the shard set (" + GenerateJobConfig.SECTION + ".shards)", config.shards(), s3,
                () -> ShardSet.open(storage, config.shards()));
        InputConfig input = dgnet.config().input();
        int partitions = shards.shards(Split.TRAIN);
        long images = shards.info().path("splits").path("train").path("images").asLong(0);
        if (partitions == 0 || images == 0) {
            throw new IOException("the shard set " + shards.location() + " (" + GenerateJobConfig.SECTION + ".shards) has no training images");
        }
        if (shards.height() != input.height() || shards.width() != input.width()) {
            throw new IOException("the shard set " + shards.location() + " holds " + shards.height() + "x" + shards.width()
                    + " images; the model " + config.model() + " takes " + input.height() + "x" + input.width() + ": shard its data at its input size");
        }
        NetworkSet networks = new NetworkSet();
        for (String n : List.of(DgNetMethod.APPEARANCE, DgNetMethod.STRUCTURE, DgNetMethod.DECODER)) networks.put(n, model.networks().get(n));
        int identities = shards.trainIdentities();
        long classes = new DgNetGeneration(networks, input).softLabels(Nd4j.zeros(1, 3, input.height(), input.width())).size(1);
        if (classes != identities) {
            throw new IOException("the model " + config.model() + " was trained on " + classes + " identities; the shard set "
                    + shards.location() + " has " + identities + " training identities: give the shard set of its training data");
        }
        if (!dgnet.config().teacher().isEmpty()) {
            ComputationGraph teacher = explained("read the model's teacher (reid.dgnet.teacher)", dgnet.config().teacher(), s3,
                    () -> dgnet.teacher(storage, identities));
            networks.put(DgNetMethod.TEACHER, teacher);
        }
        RunConfig target = config.target(ctx.run());
        String where = new Path(Storage.path(target.output()), target.name()).toString();
        if (!target.overwrite() && explained("check the output", where, s3, () -> RunDirectory.isPublished(storage, Storage.path(where)))) {
            throw new IOException("generate output " + where + " already exists; choose another "
                    + (config.output().isEmpty() ? "reid.run.name" : GenerateJobConfig.SECTION + ".output")
                    + " or set reid.run.overwrite=true to replace it");
        }
        GeneratePlan plan = new GeneratePlan(config.model(), model.runId(), config.shards(), shards.info().path("manifestSha256").asText(""),
                shards.height(), shards.width(), partitions, images, config.copies(), seed);
        Path incomplete = RunDirectory.incomplete(storage, target);
        PartitionedWork.checkResumable(storage, s3, incomplete, "generate", GenerateJobConfig.SECTION + ".output",
                earlier -> GeneratePlan.fromJson(earlier).differences(plan),
                differences -> "the incomplete generated set in " + incomplete + " was started with "
                        + String.join("; ", differences) + ". Resuming would mix images of different settings: rerun"
                        + " with the same model, input and settings, or delete " + incomplete + " (or choose another "
                        + GenerateJobConfig.SECTION + ".output) to start over");
        int batchSize = EmbedConfig.from(ctx.config()).batchSize();
        TestModel shipped = TestModel.of(dgnet, networks);
        SparkSession spark = SparkSessions.create(ctx);
        try (RunDirectory dir = explained("create the output", where, s3,
                () -> RunDirectory.create(storage, target, ctx.config(), name())).keepOnFailure()) {
            if (!storage.exists(dir.resolve(PartitionedWork.PLAN))) dir.writeJson(PartitionedWork.PLAN, plan.toMap());
            long t0 = System.nanoTime();
            List<GeneratePartition.Outcome> outcomes = generate(spark, storage, dir.work(), shards, plan, shipped, input, batchSize, config);
            double seconds = (System.nanoTime() - t0) / 1e9;
            sheet(spark, storage, dir, shards);
            double taskSeconds = outcomes.stream().mapToDouble(GeneratePartition.Outcome::seconds).sum();
            long madeNow = (long) outcomes.stream().mapToInt(GeneratePartition.Outcome::images).sum() * config.copies();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("format", FORMAT);
            info.putAll(plan.toMap());
            info.put("shards", shards.location().toString());
            info.put("identities", identities);
            info.put("softLabels", networks.names().contains(DgNetMethod.TEACHER) ? "teacher " + dgnet.config().teacher() : "the model's primary head");
            info.put("generated", images * config.copies());
            info.put("folder", GeneratePartition.GENERATED);
            info.put("partitionsThisAttempt", outcomes.size());
            info.put("generatedThisAttempt", madeNow);
            info.put("seconds", seconds);
            info.put("taskSeconds", taskSeconds);
            info.put("imagesPerTaskSecond", taskSeconds > 0 ? madeNow / taskSeconds : 0.0);
            dir.writeJson(SUMMARY, info);
            dir.info("generate", Map.of("model", config.model(), "images", images, "copies", config.copies(), "partitions", partitions,
                    "partitionsThisAttempt", outcomes.size()));
            Path published = dir.publish();
            ctx.out().println(String.format(Locale.ROOT,
                    "generate: OK, %d training images x %d copies = %d generated images (%s from %s; %.1f images/s per task);"
                            + " partitions: %d run now, %d done by an earlier attempt; published %s",
                    images, config.copies(), images * config.copies(), config.model(), shards.location(),
                    taskSeconds > 0 ? madeNow / taskSeconds : 0.0, outcomes.size(), partitions - outcomes.size(), published));
        } finally {
            SparkSessions.stop(spark);
        }
        return 0;
    }

    /** The appearance codes of every training image, then the partitions without a marker; returns what each did. */
    private static List<GeneratePartition.Outcome> generate(SparkSession spark, Storage storage, Path work, ShardSet shards,
                                                            GeneratePlan plan, TestModel model, InputConfig input, int batchSize,
                                                            GenerateJobConfig config) throws IOException {
        List<String> folders = List.of(GeneratePartition.GENERATED);
        Set<Integer> complete = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        Set<Integer> todo = new TreeSet<>();
        for (int k = 0; k < plan.partitions(); k++) if (!complete.contains(k)) todo.add(k);
        LOG.info("generate: {} training images in {} shards, {} copies each; {} partitions to do, {} done by an earlier attempt",
                plan.images(), plan.partitions(), plan.copies(), todo.size(), complete.size());
        List<GeneratePartition.Outcome> outcomes = new ArrayList<>();
        if (!todo.isEmpty()) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<TestModel> shipped = jsc.broadcast(model);
            JavaRDD<Shard> trainShards = shards.shards(spark, Split.TRAIN);
            int codeTasks = trainShards.getNumPartitions();
            List<AppearanceCodes> parts = trainShards.map(s -> {
                TaskThreads.apply(codeTasks);
                return GeneratePartition.codes(s, shipped.value(), input, batchSize);
            }).collect();
            AppearanceCodes all = AppearanceCodes.merge(parts);
            LOG.info("generate: appearance codes of {} training images", all.size());
            Broadcast<AppearanceCodes> codes = jsc.broadcast(all);
            GeneratePartition.Settings settings = new GeneratePartition.Settings(work.toString(), input, plan.seed(), plan.copies(),
                    batchSize, plan.partitions(), config.faultPartition());
            Set<Integer> only = Collections.unmodifiableSet(new TreeSet<>(todo));
            JavaRDD<Shard> inputShards = shards.shards(spark, Split.TRAIN, only);
            long[] perPartition = new long[plan.partitions()];
            for (com.fasterxml.jackson.databind.JsonNode s : shards.info().path("shards")) {
                int k = s.path("shard").asInt(-1);
                if ("train".equals(s.path("split").asText()) && only.contains(k)) perPartition[k] = s.path("images").asLong();
            }
            try (SparkProgress progress = SparkProgress.open(spark.sparkContext(), "generate", "shards", plan.partitions(),
                    java.util.Arrays.stream(perPartition).sum(), perPartition)) {
                outcomes = inputShards.mapPartitionsWithIndex((Integer k, java.util.Iterator<Shard> it) -> {
                    Shard shard = it.next();
                    if (!only.contains(k)) return Collections.<GeneratePartition.Outcome>emptyIterator();
                    TaskThreads.apply(only.size());
                    return List.of(GeneratePartition.run(shard, settings, codes.value(), shipped.value())).iterator();
                }, false).collect();
            }
            LOG.info("generate: {} partitions in {} task-seconds", outcomes.size(),
                    String.format(Locale.ROOT, "%.1f", outcomes.stream().mapToDouble(GeneratePartition.Outcome::seconds).sum()));
        }
        Set<Integer> now = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        if (now.size() != plan.partitions()) {
            throw new IOException("generate: only " + now.size() + " of " + plan.partitions() + " partitions are complete in "
                    + work + " after the run; run the job again to finish the rest");
        }
        PartitionedWork.removeTemporaryFiles(storage, work, folders);
        return outcomes;
    }

    /** The contact sheet: the first rows (by shard and key) as structure image, appearance donor, generated image. */
    private static void sheet(SparkSession spark, Storage storage, RunDirectory dir, ShardSet shards) throws IOException {
        List<Row> rows = spark.read().parquet(new Path(dir.work(), GeneratePartition.GENERATED).toString())
                .select("structure_key", "appearance_key", "label", "structure_label", "height", "width", "rgb")
                .orderBy("shard", "key").limit(SHEET_ROWS).collectAsList();
        List<Long> keys = new ArrayList<>();
        for (Row r : rows) {
            keys.add(r.getLong(0));
            keys.add(r.getLong(1));
        }
        Map<Long, RgbImage> real = new HashMap<>();
        for (Row r : shards.rows(spark, Split.TRAIN).where(col("key").isin(keys.toArray())).select("key", "height", "width", "rgb")
                .collectAsList()) {
            real.put(r.getLong(0), new RgbImage(r.getInt(1), r.getInt(2), r.getAs(3)));
        }
        int h = shards.height();
        int w = shards.width();
        int gap = 4;
        int label = 16;
        int tile = 3 * w + 2 * gap;
        int across = 4;
        int down = (rows.size() + across - 1) / across;
        BufferedImage img = new BufferedImage(across * (tile + 3 * gap) + gap, label + down * (h + label + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.drawString("structure x_j | appearance x_i | G(a_i, s_j)", gap, label - 4);
        for (int n = 0; n < rows.size(); n++) {
            Row r = rows.get(n);
            int x = gap + (n % across) * (tile + 3 * gap);
            int y = label + (n / across) * (h + label + gap);
            RgbImage[] three = {real.get(r.getLong(0)), real.get(r.getLong(1)), new RgbImage(r.getInt(4), r.getInt(5), r.getAs(6))};
            for (int t = 0; t < 3; t++) {
                if (three[t] != null) g.drawImage(three[t].toBufferedImage(), x + t * (w + gap), y, null);
            }
            g.drawString("label " + r.getInt(3) + " <- " + r.getInt(2), x, y + h + label - 4);
        }
        g.dispose();
        Path file = dir.resolve(SHEET);
        try (OutputStream out = storage.fs(file).create(file, true)) {
            ImageIO.write(img, "png", out);
        }
    }
}
