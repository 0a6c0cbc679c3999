package org.reidspark.jobs.augment;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.Storage;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.shard.ShardSet;
import scala.Tuple2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A published surrogate set (the {@code augment} job's output), read back: its {@code augment.json} facts (the shard set
 * it was made of, the data's manifest hash, image size, copies per image) and its surrogates, which
 * {@link #attach} joins by key onto the training shards a Spark trainer holds ({@link Shard#withCopies}), so the
 * batch loader's {@link org.reidspark.data.augment.StoredSurrogateView} finds them. Only a completely published set
 * (with its {@code _PUBLISHED} marker) opens.
 */
public final class SurrogateSet {
    private final ShardSet.Derived set;
    private final Path location;

    private SurrogateSet(ShardSet.Derived set) {
        this.set = set;
        this.location = set.location();
    }

    /**
     * Opens the surrogate set at {@code location}.
     *
     * @param key the config key that named it, for messages
     * @throws IOException when it is missing, unpublished or of another format
     */
    public static SurrogateSet open(Storage storage, String location, String key) throws IOException {
        return new SurrogateSet(ShardSet.openDerived(storage, location, key, "surrogate set", "augment", AugmentJob.SUMMARY,
                AugmentJob.FORMAT));
    }

    public Path location() {
        return location;
    }

    /** The {@code augment.json} contents. */
    public JsonNode info() {
        return set.info();
    }

    /** Surrogates per training image. */
    public int copies() {
        return set.info().get("copies").asInt();
    }

    /**
     * How this set does not fit training on {@code shards}: it must be made of the same data at the same image size.
     * One phrase per difference; empty when it fits.
     */
    public List<String> differences(ShardSet shards) {
        return set.differences(shards);
    }

    /**
     * {@code train} (one training {@link Shard} per partition) with each image's surrogates attached: the surrogate rows
     * are moved once to the partition of the shard that holds their key. Every training image must have all
     * {@link #copies()} copies; an image without them fails the task naming it.
     */
    public JavaRDD<Shard> attach(SparkSession spark, JavaRDD<Shard> train) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = train.getNumPartitions();
        Map<Long, Integer> shardOf = new HashMap<>();
        for (Tuple2<Integer, long[]> s : train.map(s -> new Tuple2<>(s.id(), s.keys())).collect()) {
            for (long k : s._2()) shardOf.put(k, s._1());
        }
        Broadcast<Map<Long, Integer>> where = jsc.broadcast(shardOf);
        int copies = copies();
        String set = location.toString();
        JavaPairRDD<Integer, Row> rows = spark.read().parquet(new Path(location, AugmentPartition.SURROGATES).toString())
                .select("key", "copy", "height", "width", "rgb").javaRDD()
                .filter(r -> where.value().containsKey(r.getLong(0)))
                .mapToPair(r -> new Tuple2<>(where.value().get(r.getLong(0)), r))
                .partitionBy(new ShardSet.ByShard(n));
        return train.zipPartitions(rows.values(), (Iterator<Shard> shards, Iterator<Row> it) -> {
            Shard shard = shards.next();
            Map<Long, RgbImage[]> byKey = new HashMap<>();
            while (it.hasNext()) {
                Row r = it.next();
                int c = r.getInt(1);
                if (c < 0 || c >= copies) throw new IllegalStateException("copy " + c + " of key " + r.getLong(0) + " in " + set
                        + ", which holds " + copies + " per image");
                byKey.computeIfAbsent(r.getLong(0), k -> new RgbImage[copies])[c] = new RgbImage(r.getInt(2), r.getInt(3), r.getAs(4));
            }
            Map<Long, List<RgbImage>> lists = new HashMap<>();
            for (int i = 0; i < shard.size(); i++) {
                RgbImage[] a = byKey.get(shard.key(i));
                int missing = a == null ? copies : (int) Arrays.stream(a).filter(x -> x == null).count();
                if (missing > 0) {
                    throw new IllegalStateException("the surrogate set " + set + " lacks " + missing + " of the " + copies
                            + " surrogates of " + shard.samples().get(i).uri() + " (key " + shard.key(i)
                            + "): make it with the augment job from the training shard set");
                }
                lists.put(shard.key(i), List.of(a));
            }
            return List.of(shard.withCopies(lists)).iterator();
        });
    }
}
