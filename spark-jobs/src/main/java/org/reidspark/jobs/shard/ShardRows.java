package org.reidspark.jobs.shard;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.shard.Shard;
import org.reidspark.data.shard.ShardRecord;
import org.reidspark.data.shard.ShardSummary;

import java.util.Iterator;
import java.util.Locale;

/**
 * The shard set's Parquet rows and their conversion to and from core types.
 *
 * <p>{@code manifest.parquet} ({@link #MANIFEST}): every sample of the dataset, ordered by key: {@code key} (the
 * sample's index in the catalog's manifest, a stable id), {@code uri, pid, label, camid, clothes, split}, {@code shard}
 * (its shard within the split), {@code sha256} (of the file's bytes; null if unreadable), {@code status}
 * ({@code ok} or {@code bad}) and {@code problem} (why it is bad; null when ok).
 *
 * <p>{@code shards/} ({@link #SHARD}): the decoded images, partitioned by {@code split} and {@code shard}
 * ({@code shards/split=train/shard=0/...}): {@code key, uri, pid, label, camid, clothes, sha256, height, width} and
 * {@code rgb}, the resized image's HWC bytes ({@link RgbImage#rgb()}).
 */
public final class ShardRows {
    public static final String OK = "ok";
    public static final String BAD = "bad";

    private static final StructField KEY = DataTypes.createStructField("key", DataTypes.LongType, false);
    private static final StructField URI = DataTypes.createStructField("uri", DataTypes.StringType, false);
    private static final StructField PID = DataTypes.createStructField("pid", DataTypes.IntegerType, false);
    private static final StructField LABEL = DataTypes.createStructField("label", DataTypes.IntegerType, false);
    private static final StructField CAMID = DataTypes.createStructField("camid", DataTypes.IntegerType, false);
    private static final StructField CLOTHES = DataTypes.createStructField("clothes", DataTypes.IntegerType, false);
    private static final StructField SPLIT = DataTypes.createStructField("split", DataTypes.StringType, false);
    private static final StructField SHARD_ID = DataTypes.createStructField("shard", DataTypes.IntegerType, false);
    private static final StructField SHA256 = DataTypes.createStructField("sha256", DataTypes.StringType, true);
    private static final StructField STATUS = DataTypes.createStructField("status", DataTypes.StringType, false);
    private static final StructField PROBLEM = DataTypes.createStructField("problem", DataTypes.StringType, true);
    private static final StructField HEIGHT = DataTypes.createStructField("height", DataTypes.IntegerType, true);
    private static final StructField WIDTH = DataTypes.createStructField("width", DataTypes.IntegerType, true);
    private static final StructField RGB = DataTypes.createStructField("rgb", DataTypes.BinaryType, true);

    /** {@code manifest.parquet}'s columns. */
    public static final StructType MANIFEST = DataTypes.createStructType(new StructField[]{
            KEY, URI, PID, LABEL, CAMID, CLOTHES, SPLIT, SHARD_ID, SHA256, STATUS, PROBLEM});

    /** A sharded sample as the job holds it between decoding and writing: the manifest's columns and the image. */
    static final StructType DECODED = DataTypes.createStructType(new StructField[]{
            KEY, URI, PID, LABEL, CAMID, CLOTHES, SPLIT, SHARD_ID, SHA256, STATUS, PROBLEM, HEIGHT, WIDTH, RGB});

    /** The columns stored in {@code shards/}; {@code split} and {@code shard} become the partition folders. */
    static final String[] SHARD_COLUMNS = {"key", "uri", "pid", "label", "camid", "clothes", "sha256", "height", "width",
            "rgb", "split", "shard"};

    private ShardRows() {
    }

    static Row decoded(ShardRecord r) {
        Sample s = r.sample();
        RgbImage img = r.image();
        return RowFactory.create(r.key(), s.uri(), s.pid(), s.label(), s.camid(), s.clothes(), s.split().lower(),
                r.shard(), r.sha256(), r.ok() ? OK : BAD, r.problem(),
                img == null ? null : img.height(), img == null ? null : img.width(), img == null ? null : img.rgb());
    }

    /** A {@link #DECODED} row without its image, as {@code manifest.parquet} stores it. */
    static Row manifest(Row decoded) {
        Object[] v = new Object[MANIFEST.size()];
        for (int i = 0; i < v.length; i++) v[i] = decoded.get(decoded.fieldIndex(MANIFEST.fields()[i].name()));
        return RowFactory.create(v);
    }

    /** The outcome of a {@link #MANIFEST} or {@link #DECODED} row. */
    static ShardSummary.Item item(Row row) {
        boolean ok = OK.equals(row.getAs("status"));
        return new ShardSummary.Item(key(row), sample(row), row.<Integer>getAs("shard"), ok ? null : row.<String>getAs("problem"));
    }

    /** The sample of a manifest or shard row. */
    public static Sample sample(Row row) {
        return new Sample(row.getAs("uri"), row.<Integer>getAs("pid"), row.<Integer>getAs("label"),
                row.<Integer>getAs("camid"), row.<Integer>getAs("clothes"), split(row.getAs("split")));
    }

    /** The key (manifest index) of a manifest or shard row. */
    public static long key(Row row) {
        return row.<Long>getAs("key");
    }

    /** The decoded, resized image of a shard row. */
    public static RgbImage image(Row row) {
        return new RgbImage(row.<Integer>getAs("height"), row.<Integer>getAs("width"), row.<byte[]>getAs("rgb"));
    }

    /** The same, of a shard row as Parquet's own reader gives it (its {@code height}, {@code width} and {@code rgb}). */
    public static RgbImage image(org.apache.parquet.example.data.Group row) {
        return new RgbImage(row.getInteger("height", 0), row.getInteger("width", 0), row.getBinary("rgb", 0).getBytes());
    }

    /** The shard the rows of one shard make. */
    public static Shard shard(Split split, int id, Iterator<Row> rows) {
        Shard.Builder b = Shard.builder(split, id);
        while (rows.hasNext()) {
            Row r = rows.next();
            b.add(key(r), sample(r), image(r));
        }
        return b.build();
    }

    static Split split(String name) {
        return Split.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
