package org.reidspark.jobs.generate;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.shard.ShardSet;
import scala.Tuple2;

import java.io.IOException;
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
    private final ShardSet.Derived set;

    private GeneratedSet(ShardSet.Derived set) {
        this.set = set;
    }

    /**
     * Opens the generated set at {@code location}.
     *
     * @param key the config key that named it, for messages
     * @throws IOException when it is missing, unpublished or of another format
     */
    public static GeneratedSet open(Storage storage, String location, String key) throws IOException {
        return new GeneratedSet(ShardSet.openDerived(storage, location, key, "generated set", "generate", GenerateJob.SUMMARY,
                GenerateJob.FORMAT));
    }

    public Path location() {
        return set.location();
    }

    /** Generated images in the set. */
    public long images() {
        return set.info().path("generated").asLong();
    }

    /**
     * How this set does not fit training on {@code shards}: it must be made from the same data at the same image size.
     * One phrase per difference; empty when it fits.
     */
    public List<String> differences(ShardSet shards) {
        return set.differences(shards);
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
        String name = set.location().toString();
        JavaPairRDD<Integer, Row> rows = spark.read().parquet(new Path(set.location(), GeneratePartition.GENERATED).toString())
                .select("key", "appearance_key", "height", "width", "rgb").javaRDD()
                .mapToPair(r -> {
                    Integer shard = where.value().get(r.getLong(1));
                    if (shard == null) {
                        throw new IllegalStateException("the generated image " + r.getLong(0) + " of " + name + " has the appearance of"
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
                Sample s = new Sample(SCHEME + name + "#" + r.getLong(0), donor.pid(), donor.label(), donor.camid(), donor.clothes(),
                        Split.TRAIN);
                b.add(r.getLong(0), s, new RgbImage(r.getInt(2), r.getInt(3), r.getAs(4)));
            }
            return List.of(b.build()).iterator();
        });
    }
}
