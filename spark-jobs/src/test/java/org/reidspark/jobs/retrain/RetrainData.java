package org.reidspark.jobs.retrain;

import org.apache.hadoop.conf.Configuration;
import org.reidspark.artifact.Storage;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.data.synth.SynthGenerator;
import org.reidspark.data.synth.SynthVariant;
import org.reidspark.jobs.testing.JobRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The data of the re-training tests, from two synthetic benchmarks (Market-1501 layout, 64x32 images, 8 images a
 * person): the <b>pool</b> (40 people, or more), whose training half arrives in drops into a dataset root (its query
 * and gallery stay the dataset's own, and its gallery is the collection every champion embeds), and the <b>holdout
 * pool</b>, 40 other people, sharded once into the pinned holdout. Drops: the first 6 people; 6 more (good labels);
 * all the others with <i>corrupted labels</i> (every image named as one of the 12 people already there, drawn at
 * random with a fixed seed: a labelling that teaches the network to match different people). With the 40-person pool
 * that is 8 people (64 images beside 96 good ones); that candidate still beat its champion when warm-started and
 * trained 6 epochs more (mAP 0.3459 against 0.2164 in RetrainCronIT), so the cron test draws a 100-person pool, whose
 * corrupted drop of 38 people (304 images) outweighs the good ones 3 to 1.
 */
final class RetrainData {
    static final String FOLDER = "Market-1501-v15.09.15";
    /** The input size of the tests' networks. */
    static final int HEIGHT = 64;
    static final int WIDTH = 32;
    /** The gate of the tests that let it decide: mAP and Rank-1 within these of the champion's. */
    static final double MAP_TOLERANCE = 0.02;
    static final double RANK1_MARGIN = 0.05;

    final Path pool;
    final Path holdoutPool;
    /** The pool's training images by person id. */
    private final TreeMap<String, List<Path>> people = new TreeMap<>();

    private RetrainData(Path pool, Path holdoutPool, int trainingPeople) throws IOException {
        this.pool = pool;
        this.holdoutPool = holdoutPool;
        try (Stream<Path> s = Files.list(pool.resolve(FOLDER).resolve("bounding_box_train"))) {
            for (Path f : s.sorted().toList()) {
                people.computeIfAbsent(f.getFileName().toString().substring(0, 4), k -> new ArrayList<>()).add(f);
            }
        }
        assertEquals(trainingPeople, people.size(), "training people in the pool");
    }

    /** Renders both benchmarks into {@code dir}, the pool with 40 people (about 40 s on 2 cores). */
    static RetrainData generate(Path dir) throws IOException {
        return generate(dir, 40);
    }

    /** Renders both benchmarks into {@code dir}, the pool with {@code poolPeople} people (even, at least 40). */
    static RetrainData generate(Path dir, int poolPeople) throws IOException {
        Storage storage = new Storage(new Configuration());
        for (long seed : new long[]{7, 8}) {
            SynthGenerator.generate(new SynthConfig(SynthVariant.byName("holistic"), dir.resolve("pool-" + seed).toString(),
                    seed == 7 ? poolPeople : 40, 4, 8, HEIGHT, WIDTH, seed, 2, 2, 0, 0, 0.0, 4, false), storage);
        }
        return new RetrainData(dir.resolve("pool-7"), dir.resolve("pool-8"), poolPeople / 2);
    }

    /** The collection every champion embeds: the pool's gallery (120 images of a 40-person pool). */
    Path collection() {
        return pool.resolve(FOLDER).resolve("bounding_box_test");
    }

    /** The images of {@link #collection()}. */
    int collectionSize() throws IOException {
        try (Stream<Path> s = Files.list(collection())) {
            return (int) s.count();
        }
    }

    /** Publishes the holdout shard set (the holdout pool sharded at the test size) at {@code output} (a path or URI). */
    void shardHoldout(String output, List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("shard", "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "--dataset", "market1501", "--root", holdoutPool.toString(), "--output", output, "--shards", "2",
                "reid.input.height=" + HEIGHT, "reid.input.width=" + WIDTH));
        args.addAll(overrides);
        JobRun r = JobRun.run(args);
        assertEquals(0, r.code(), r.err() + r.out());
    }

    /** A dataset root with the pool's query and gallery and the first drop: 6 people. */
    void writeInitial(Path root) throws IOException {
        for (String split : List.of("query", "bounding_box_test")) {
            try (Stream<Path> s = Files.list(pool.resolve(FOLDER).resolve(split))) {
                for (Path f : s.toList()) copy(f, root.resolve(FOLDER).resolve(split).resolve(f.getFileName()));
            }
        }
        add(root, 0, 6);
    }

    /** The second drop: 6 more people, correctly labelled. */
    void addGood(Path root) throws IOException {
        add(root, 6, 12);
    }

    /** The third drop: the other people's images (8 people in a 40-person pool), each labelled as one of the 12 people already there. */
    void addCorrupt(Path root) throws IOException {
        List<String> ids = new ArrayList<>(people.keySet());
        List<String> known = ids.subList(0, 12);
        Random random = new Random(3);
        for (String id : ids.subList(12, ids.size())) {
            for (Path f : people.get(id)) {
                String wrong = known.get(random.nextInt(known.size()));
                copy(f, train(root).resolve(wrong + f.getFileName().toString().substring(4)));
            }
        }
    }

    /** Training images the dataset root holds now. */
    static int trainImages(Path root) throws IOException {
        try (Stream<Path> s = Files.list(train(root))) {
            return (int) s.count();
        }
    }

    private void add(Path root, int from, int to) throws IOException {
        List<String> ids = new ArrayList<>(people.keySet());
        for (String id : ids.subList(from, to)) {
            for (Path f : people.get(id)) copy(f, train(root).resolve(f.getFileName()));
        }
    }

    private static Path train(Path root) {
        return root.resolve(FOLDER).resolve("bounding_box_train");
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        if (Files.exists(to)) throw new IOException(to + " exists: two drops name an image alike");
        Files.copy(from, to);
    }

    /**
     * The pipeline's settings for these tests: BoT on a ResNet-18 at width 0.25 on 64x32 images, 2 workers on
     * local[2], a few epochs with a checkpoint every epoch, no HTML reports, a lease of 20 s.
     */
    static List<String> settings() {
        return List.of("reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.data.dataset=market1501", "reid.input.height=" + HEIGHT, "reid.input.width=" + WIDTH,
                "reid.model.backbone=resnet18", "reid.model.width=0.25", "reid.bot.lr=3e-3", "reid.augment.pad=3",
                "reid.sampler.p=3", "reid.sampler.k=4", "reid.distributed.workers=2", "reid.distributed.averaging-steps=4",
                "reid.train.epochs=6", "reid.train.checkpoint-every=1", "reid.train.log-every=5",
                "reid.train.schedule.warmup-epochs=0", "reid.train.schedule.milestones=[5]", "reid.embed.batch-size=32",
                "reid.evaluate.top-k=5", "reid.report.enabled=false", "reid.retrain.lease.ttl-seconds=20",
                "reid.retrain.lease.settle-ms=1000");
    }
}
