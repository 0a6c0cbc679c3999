package org.reidspark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.shard.ShardSet;
import scala.Tuple2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A published generated set (the {@code generate} job's output), read back as extra training data
 * ({@code reid.data.extra-shards}): its {@code generate.json} facts and its images, which {@link #attach} adds to the
 * training shards a Spark trainer holds. A generated image {@code G(a_i, s_j)} joins the shard of its appearance donor
 * {@code x_i} as a training sample of the donor's person (pid, label, clothes and camera: whose clothes it shows, as
 * DG-Net's primary feature learns them), so identity-grouped sampling draws it with that person's real images. Only a
 * completely published set (with its {@code _PUBLISHED} marker) opens.
 */
public final class GeneratedSet {
    /** The uri scheme of a generated sample: {@code generated:<set>#<key>}. */
    public static final String SCHEME = "generated:";
    /** The config key listing the generated sets a training run reads as extra data. */
    public static final String EXTRA_KEY = "reid.data.extra-shards";
    private final Path location;
    private final JsonNode info;

    private GeneratedSet(Path location, JsonNode info) {
        this.location = location;
        this.info = info;
    }

    /**
     * Opens the generated set at {@code location}.
     *
     * @param key the config key that named it, for messages
     * @throws IOException when it is missing, unpublished or of another format
     */
    public static GeneratedSet open(Storage storage, String location, String key) throws IOException {
        Path p = Storage.path(location);
        p = storage.fs(p).makeQualified(p);
        if (!RunDirectory.isPublished(storage, p) || !storage.exists(new Path(p, GenerateJob.SUMMARY))) {
            throw new IOException("no published generated set at " + p + " (" + key + "; no " + RunDirectory.MARKER + " or "
                    + GenerateJob.SUMMARY + " there): run the generate job with --output " + location + ", or let it finish");
        }
        JsonNode info = new ObjectMapper().readTree(storage.readString(new Path(p, GenerateJob.SUMMARY)));
        if (info.path("format").asInt() != GenerateJob.FORMAT) {
            throw new IOException("generated set " + p + " has format " + info.path("format") + "; this version reads format "
                    + GenerateJob.FORMAT + " (run the generate job again)");
        }
        return new GeneratedSet(p, info);
    }

    public Path location() {
        return location;
    }

    /** Generated images in the set. */
    public long images() {
        return info.path("generated").asLong();
    }

    /**
     * How this set does not fit training on {@code shards}: it must be made from the same data at the same image size.
     * One phrase per difference; empty when it fits.
     */
    public List<String> differences(ShardSet shards) {
        List<String> d = new ArrayList<>();
        String made = info.path("manifestSha256").asText();
        String now = shards.info().path("manifestSha256").asText("");
        if (!made.equals(now)) d.add("data (manifest sha256) " + made + ", the training shard set's " + now);
        int h = info.path("height").asInt();
        int w = info.path("width").asInt();
        if (h != shards.height() || w != shards.width()) {
            d.add("image size " + h + "x" + w + ", the training shard set's " + shards.height() + "x" + shards.width());
        }
        return d;
    }

    /**
     * {@code train} (one training {@link Shard} per partition) with this set's images added: each generated row is moved
     * once to the partition of the shard that holds its appearance donor and added there as a sample of the donor's
     * person. A row whose donor no shard holds fails naming it.
     */
    public JavaRDD<Shard> attach(SparkSession spark, JavaRDD<Shard> train) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = train.getNumPartitions();
        Map<Long, Integer> shardOf = new HashMap<>();
        for (Tuple2<Integer, long[]> s : train.map(s -> new Tuple2<>(s.id(), s.keys())).collect()) {
            for (long k : s._2()) shardOf.put(k, s._1());
        }
        Broadcast<Map<Long, Integer>> where = jsc.broadcast(shardOf);
        String set = location.toString();
        JavaPairRDD<Integer, Row> rows = spark.read().parquet(new Path(location, GeneratePartition.GENERATED).toString())
                .select("key", "appearance_key", "height", "width", "rgb").javaRDD()
                .mapToPair(r -> {
                    Integer shard = where.value().get(r.getLong(1));
                    if (shard == null) {
                        throw new IllegalStateException("the generated image " + r.getLong(0) + " of " + set + " has the appearance of"
                                + " image " + r.getLong(1) + ", which no training shard holds: generate from this training shard set");
                    }
                    return new Tuple2<>(shard, r);
                })
                .partitionBy(new ShardSet.ByShard(n));
        return train.zipPartitions(rows.values(), (Iterator<Shard> shards, Iterator<Row> it) -> {
            Shard shard = shards.next();
            Shard.Builder b = Shard.builder(Split.TRAIN, shard.id());
            Map<Long, Sample> byKey = new HashMap<>();
            for (int i = 0; i < shard.size(); i++) {
                b.add(shard.key(i), shard.samples().get(i), shard.image(i));
                byKey.put(shard.key(i), shard.samples().get(i));
            }
            while (it.hasNext()) {
                Row r = it.next();
                Sample donor = byKey.get(r.getLong(1));
                Sample s = new Sample(SCHEME + set + "#" + r.getLong(0), donor.pid(), donor.label(), donor.camid(), donor.clothes(),
                        Split.TRAIN);
                b.add(r.getLong(0), s, new RgbImage(r.getInt(2), r.getInt(3), r.getAs(4)));
            }
            return List.of(b.build()).iterator();
        });
    }
}
