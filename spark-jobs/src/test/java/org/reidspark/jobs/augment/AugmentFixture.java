package org.reidspark.jobs.augment;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.reidspark.data.image.RgbImage;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.JobRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A small shard set (the Market-1501 test tree, by image, 2 shards, at PAUL's smallest input) and readers of the output. */
final class AugmentFixture {
    static final int HEIGHT = 64;
    static final int WIDTH = 48;
    /** Training images of the tree that decode (one of the 14 is corrupt). */
    static final int TRAIN_IMAGES = 13;

    private AugmentFixture() {
    }

    /** One stored surrogate. */
    record Row(long key, String uri, int copy, String transform, int height, int width, byte[] rgb, int shard) {
        String id() {
            return key + "/" + copy + "/" + transform + "/" + height + "x" + width + "/" + Arrays.hashCode(rgb) + "/" + rgb.length;
        }
    }

    /** The Market-1501 test tree under {@code dir} sharded into {@code dir/shards}: by image, 2 shards, 64x48. */
    static Path shardSet(Path dir) throws Exception {
        Path root = MarketTree.write(dir.resolve("market"));
        Path out = dir.resolve("sets/market");
        JobRun r = JobRun.run(List.of("shard", "reid.data.dataset=market1501", "reid.spark.master=local[2]",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.input.height=" + HEIGHT, "reid.input.width=" + WIDTH,
                "--root", root.toString(), "--shards", "2", "--output", out.toString(), "--max-bad-fraction", "0.1",
                "reid.shard.by=image"));
        if (r.code() != 0) throw new IllegalStateException("shard failed: " + r.err());
        return out;
    }

    /** {@code Main.run("augment", ...)} in-process on local[2] (args may override the master). */
    static JobRun augment(List<String> args) {
        List<String> all = new ArrayList<>(List.of("augment", "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false"));
        all.addAll(args);
        return JobRun.run(all);
    }

    /** Every row of an augment output's {@code surrogates/}, ordered by key and copy. */
    static List<Row> rows(Path output) throws IOException {
        List<Row> out = new ArrayList<>();
        for (Path f : parquetFiles(output.resolve(AugmentPartition.SURROGATES))) {
            for (Group g : read(f)) {
                out.add(new Row(g.getLong("key", 0), g.getString("uri", 0), g.getInteger("copy", 0), g.getString("transform", 0),
                        g.getInteger("height", 0), g.getInteger("width", 0), g.getBinary("rgb", 0).getBytes(), g.getInteger("shard", 0)));
            }
        }
        out.sort(Comparator.comparingLong(Row::key).thenComparingInt(Row::copy));
        return out;
    }

    /** The training images of a shard set, by key. */
    static Map<Long, RgbImage> trainImages(Path shardSet) throws IOException {
        Map<Long, RgbImage> out = new HashMap<>();
        for (Path f : parquetFiles(shardSet.resolve("shards/split=train"))) {
            for (Group g : read(f)) {
                out.put(g.getLong("key", 0), new RgbImage(g.getInteger("height", 0), g.getInteger("width", 0), g.getBinary("rgb", 0).getBytes()));
            }
        }
        return out;
    }

    static List<Path> parquetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    private static List<Group> read(Path file) throws IOException {
        List<Group> out = new ArrayList<>();
        try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
                .withConf(new Configuration()).build()) {
            for (Group g = r.read(); g != null; g = r.read()) out.add(g);
        }
        return out;
    }
}
