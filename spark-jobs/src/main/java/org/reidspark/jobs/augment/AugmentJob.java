package org.reidspark.jobs.augment;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.Split;
import org.reidspark.data.augment.SurrogateConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.jobs.SparkProgress;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.shard.ShardSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * {@code augment}: PAUL's surrogate positives (https://arxiv.org/abs/1904.01308) made once, in parallel, instead of in
 * the batch loader at every step.
 *
 * <p><b>Input.</b> A published shard set ({@code reid.augment-job.shards}, the {@code shard} or {@code train} job's): its
 * training images, decoded and resized.
 *
 * <p><b>Work.</b> One Spark task per training shard ({@link AugmentPartition}) makes {@code reid.augment-job.copies}
 * surrogates of each of its images ({@link org.reidspark.data.augment.SurrogateCopies}): copy {@code c} of the image
 * with key {@code k} is drawn from a generator seeded by ({@code reid.run.seed}, k, c) alone, so a rerun, a retried
 * task or another partitioning writes the same bytes. The settings are {@code reid.augment.surrogate}'s, as in the
 * loader.
 *
 * <p><b>Output</b>, a run directory ({@link RunDirectory}: {@code ._incomplete-<name>} until published), a surrogate
 * set: {@code surrogates/part-<k>.parquet} (one per training shard: {@code key, uri, copy, transform} (the drawn
 * parameters as JSON, from which {@link org.reidspark.data.augment.Surrogate#apply(org.reidspark.data.image.RgbImage,
 * org.reidspark.data.augment.Surrogate.Transform)} remakes the copy), {@code height, width, rgb} (HWC bytes, as the shard
 * set stores images), {@code shard}), {@code augment.json} (the input, its data's manifest hash and image size, copies,
 * seed, surrogate settings, counts, timings), {@code plan.json} and {@code done/} ({@link PartitionedWork}: a rerun
 * after a crash redoes only the partitions without a marker, and refuses another input or settings),
 * {@code config.conf}, {@code run.json}.
 *
 * <p><b>Training</b> reads it with {@code reid.paul.surrogates = <output>}: the train job joins each image's copies
 * onto its training shards by key ({@link SurrogateSet#attach}) and the loader takes one per step
 * ({@link org.reidspark.data.augment.StoredSurrogateView}).
 */
public final class AugmentJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(AugmentJob.class);
    /** The output's layout version, in {@code augment.json}. */
    static final int FORMAT = 1;
    public static final String SUMMARY = "augment.json";

    @Override
    public String name() {
        return "augment";
    }

    @Override
    public String summary() {
        return "PAUL's surrogates of a shard set's training images, S copies each, made in parallel (resumable)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--shards", "PATH", AugmentJobConfig.SECTION + ".shards", "the published shard set whose training images are augmented"),
                JobOption.config("--output", "PATH", AugmentJobConfig.SECTION + ".output", "where the surrogate set is published"),
                JobOption.config("--copies", "S", AugmentJobConfig.SECTION + ".copies", "surrogates per training image"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        AugmentJobConfig config = AugmentJobConfig.from(ctx.config());
        SurrogateConfig surrogate = SurrogateConfig.from(ctx.config());
        long seed = ctx.run().seed();
        Storage storage = ctx.storage();
        S3Config s3 = ctx.s3();
        ShardSet shards = explained("open the shard set (" + AugmentJobConfig.SECTION + ".shards)", config.shards(), s3,
                () -> ShardSet.open(storage, config.shards()));
        int partitions = shards.shards(Split.TRAIN);
        long images = shards.info().path("splits").path("train").path("images").asLong(0);
        if (partitions == 0 || images == 0) {
            throw new IOException("the shard set " + shards.location() + " (" + AugmentJobConfig.SECTION
                    + ".shards) has no training images to augment");
        }
        RunConfig target = config.target(ctx.run());
        String where = new Path(Storage.path(target.output()), target.name()).toString();
        if (!target.overwrite() && explained("check the output", where, s3, () -> RunDirectory.isPublished(storage, Storage.path(where)))) {
            throw new IOException("augment output " + where + " already exists; choose another "
                    + (config.output().isEmpty() ? "reid.run.name" : AugmentJobConfig.SECTION + ".output")
                    + " or set reid.run.overwrite=true to replace it");
        }
        AugmentPlan plan = new AugmentPlan(config.shards(), shards.info().path("manifestSha256").asText(""), shards.height(),
                shards.width(), partitions, images, config.copies(), seed, surrogate.toString());
        Path incomplete = RunDirectory.incomplete(storage, target);
        PartitionedWork.checkResumable(storage, s3, incomplete, "augment", AugmentJobConfig.SECTION + ".output",
                earlier -> AugmentPlan.fromJson(earlier).differences(plan),
                differences -> "the incomplete surrogate set in " + incomplete + " was started with "
                        + String.join("; ", differences) + ". Resuming would mix surrogates of different settings: rerun"
                        + " with the same input and settings, or delete " + incomplete + " (or choose another "
                        + AugmentJobConfig.SECTION + ".output) to start over");
        SparkSession spark = SparkSessions.create(ctx);
        try (RunDirectory dir = explained("create the output", where, s3,
                () -> RunDirectory.create(storage, target, ctx.config(), name())).keepOnFailure()) {
            if (!storage.exists(dir.resolve(PartitionedWork.PLAN))) dir.writeJson(PartitionedWork.PLAN, plan.toMap());
            long t0 = System.nanoTime();
            List<AugmentPartition.Outcome> outcomes = augment(spark, storage, dir.work(), shards, plan, surrogate, config);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double taskSeconds = outcomes.stream().mapToDouble(AugmentPartition.Outcome::seconds).sum();
            long madeNow = (long) outcomes.stream().mapToInt(AugmentPartition.Outcome::images).sum() * config.copies();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("format", FORMAT);
            info.putAll(plan.toMap());
            info.put("shards", shards.location().toString());
            info.put("surrogates", images * config.copies());
            info.put("folder", AugmentPartition.SURROGATES);
            info.put("partitionsThisAttempt", outcomes.size());
            info.put("surrogatesThisAttempt", madeNow);
            info.put("seconds", seconds);
            info.put("taskSeconds", taskSeconds);
            info.put("surrogatesPerTaskSecond", taskSeconds > 0 ? madeNow / taskSeconds : 0.0);
            dir.writeJson(SUMMARY, info);
            dir.info("augment", Map.of("images", images, "copies", config.copies(), "partitions", partitions,
                    "partitionsThisAttempt", outcomes.size()));
            Path published = dir.publish();
            ctx.out().println(String.format(Locale.ROOT,
                    "augment: OK, %d training images x %d copies = %d surrogates (%s; %.1f surrogates/s per task);"
                            + " partitions: %d run now, %d done by an earlier attempt; published %s",
                    images, config.copies(), images * config.copies(), shards.location(),
                    taskSeconds > 0 ? madeNow / taskSeconds : 0.0, outcomes.size(), partitions - outcomes.size(), published));
        } finally {
            SparkSessions.stop(spark);
        }
        return 0;
    }

    /** Runs the partitions without a marker; returns what each did. */
    private static List<AugmentPartition.Outcome> augment(SparkSession spark, Storage storage, Path work, ShardSet shards,
                                                          AugmentPlan plan, SurrogateConfig surrogate, AugmentJobConfig config)
            throws IOException {
        List<String> folders = List.of(AugmentPartition.SURROGATES);
        Set<Integer> complete = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        Set<Integer> todo = new TreeSet<>();
        for (int k = 0; k < plan.partitions(); k++) if (!complete.contains(k)) todo.add(k);
        LOG.info("augment: {} training images in {} shards, {} copies each; {} partitions to do, {} done by an earlier attempt",
                plan.images(), plan.partitions(), plan.copies(), todo.size(), complete.size());
        List<AugmentPartition.Outcome> outcomes = new ArrayList<>();
        if (!todo.isEmpty()) {
            AugmentPartition.Settings settings = new AugmentPartition.Settings(work.toString(), surrogate, plan.seed(),
                    plan.copies(), plan.partitions(), config.faultPartition());
            Set<Integer> only = Collections.unmodifiableSet(new TreeSet<>(todo));
            JavaRDD<Shard> input = shards.shards(spark, Split.TRAIN, only);
            // the progress line counts the training images of the shards to do (every partition is a task; done ones are empty)
            long[] perPartition = new long[plan.partitions()];
            for (com.fasterxml.jackson.databind.JsonNode s : shards.info().path("shards")) {
                int k = s.path("shard").asInt(-1);
                if ("train".equals(s.path("split").asText()) && only.contains(k)) perPartition[k] = s.path("images").asLong();
            }
            try (SparkProgress progress = SparkProgress.open(spark.sparkContext(), "augment", "shards", plan.partitions(),
                    java.util.Arrays.stream(perPartition).sum(), perPartition)) {
                outcomes = input.mapPartitionsWithIndex((Integer k, java.util.Iterator<Shard> it) -> {
                    Shard shard = it.next();
                    if (!only.contains(k)) return Collections.<AugmentPartition.Outcome>emptyIterator();
                    return List.of(AugmentPartition.run(shard, settings)).iterator();
                }, false).collect();
            }
            LOG.info("augment: {} partitions in {} task-seconds", outcomes.size(),
                    String.format(Locale.ROOT, "%.1f", outcomes.stream().mapToDouble(AugmentPartition.Outcome::seconds).sum()));
        }
        Set<Integer> now = PartitionedWork.complete(storage, work, plan.partitions(), folders);
        if (now.size() != plan.partitions()) {
            throw new IOException("augment: only " + now.size() + " of " + plan.partitions() + " partitions are complete in "
                    + work + " after the run; run the job again to finish the rest");
        }
        PartitionedWork.removeTemporaryFiles(storage, work, folders);
        return outcomes;
    }
}
