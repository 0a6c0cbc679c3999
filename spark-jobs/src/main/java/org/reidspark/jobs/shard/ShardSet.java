package org.reidspark.jobs.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.ExecutorHadoop;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * A published shard set, read back: its {@code shard.json} facts (image size, shards per split, classes), its
 * manifest, and its shards as in-memory {@link Shard}s, whose {@link Shard#images()} a batch loader reads from.
 * Only a completely published set (with the {@code _PUBLISHED} marker) opens.
 */
public final class ShardSet {
    public static final String SHARDS = "shards";
    public static final String MANIFEST = "manifest.parquet";
    public static final String SUMMARY = "shard.json";
    public static final String BAD_IMAGES = "bad-images.csv";

    private final Storage storage;
    private final Path location;
    private final JsonNode info;
    /** Images the manifest lists stored, by split and shard ({@link #storedPerShard}); read once, at first use. */
    private java.util.Map<String, int[]> stored;

    private ShardSet(Storage storage, Path location, JsonNode info) {
        this.storage = storage;
        this.location = location;
        this.info = info;
    }

    /**
     * Opens the shard set at {@code location} (local path or URI).
     *
     * @throws IOException when it is missing, unpublished (a failed or running shard job) or unreadable
     */
    public static ShardSet open(Storage storage, String location) throws IOException {
        Path p = storage.qualifiedPath(location);
        if (!RunDirectory.isPublished(storage, p)) {
            throw new IOException("no published shard set at " + p + " (no " + RunDirectory.MARKER + " marker there;"
                    + " run the shard job with reid.shard.output=" + location + ")");
        }
        JsonNode info = new ObjectMapper().readTree(storage.readString(new Path(p, SUMMARY)));
        if (info.path("format").asInt() != ShardJob.FORMAT) {
            throw new IOException("shard set " + p + " has format " + info.path("format") + "; this version reads format "
                    + ShardJob.FORMAT + " (shard the dataset again)");
        }
        return new ShardSet(storage, p, info);
    }

    public Path location() {
        return location;
    }

    /** The {@code shard.json} contents. */
    public JsonNode info() {
        return info;
    }

    /** Height of every stored image. */
    public int height() {
        return info.get("height").asInt();
    }

    /** Width of every stored image. */
    public int width() {
        return info.get("width").asInt();
    }

    /** Training classes (labels 0..n-1 of the catalog; a class whose images were all bad keeps its label). */
    public int trainIdentities() {
        return info.get("trainIdentities").asInt();
    }

    /** Number of shards of {@code split} (0 when the split is empty). */
    public int shards(Split split) {
        return info.path("splits").path(split.lower()).path("shards").asInt(0);
    }

    /**
     * How this shard set differs from one made of data with manifest hash {@code manifestSha256} at
     * {@code height x width} in {@code shards} shards per split: {@code key: recorded -> wanted} per difference.
     */
    public java.util.List<String> differences(String manifestSha256, int height, int width, int shards, String by) {
        java.util.List<String> out = new java.util.ArrayList<>();
        String recorded = info.path("manifestSha256").asText("");
        if (!recorded.equals(manifestSha256)) {
            out.add("data (manifest sha256): " + (recorded.isEmpty() ? "(not recorded)" : recorded) + " -> " + manifestSha256);
        }
        if (height() != height || width() != width) out.add("image size: " + height() + "x" + width() + " -> " + height + "x" + width);
        int made = info.path("shardsPerSplit").asInt(-1);
        if (made != shards) out.add("shards per split: " + made + " -> " + shards);
        String grouped = info.path("by").asText("identity");
        if (!grouped.equals(by)) out.add("training images grouped by " + grouped + " -> by " + by);
        return out;
    }

    /**
     * A published output made from a shard set's training images (the augment job's surrogate set, the generate job's
     * generated set): where it is and its summary.
     */
    public record Derived(Path location, JsonNode info) {
        /**
         * How it does not fit training on {@code shards}: it must be made of the same data at the same image size. One
         * phrase per difference; empty when it fits.
         */
        public List<String> differences(ShardSet shards) {
            List<String> d = new java.util.ArrayList<>();
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
    }

    /**
     * Opens the {@code what} (e.g. "surrogate set") that {@code job} published at {@code location}, with its summary file
     * {@code summary} of layout {@code format}.
     *
     * @param key the config key that named it, for messages
     * @throws IOException when it is missing, unpublished or of another format
     */
    public static Derived openDerived(Storage storage, String location, String key, String what, String job, String summary,
                                      int format) throws IOException {
        Path p = storage.qualifiedPath(location);
        if (!RunDirectory.isPublished(storage, p) || !storage.exists(new Path(p, summary))) {
            throw new IOException("no published " + what + " at " + p + " (" + key + "; no " + RunDirectory.MARKER + " or "
                    + summary + " there): run the " + job + " job with --output " + location + ", or let it finish");
        }
        JsonNode info = new ObjectMapper().readTree(storage.readString(new Path(p, summary)));
        if (info.path("format").asInt() != format) {
            throw new IOException(what + " " + p + " has format " + info.path("format") + "; this version reads format "
                    + format + " (run the " + job + " job again)");
        }
        return new Derived(p, info);
    }

    /** Every sample of the dataset with its status ({@link ShardRows#MANIFEST}). */
    public Dataset<Row> manifest(SparkSession spark) {
        return spark.read().parquet(new Path(location, MANIFEST).toString());
    }

    /** A sample as the manifest records it: where it was stored, or why it was not ({@code problem}, null when stored). */
    public record Entry(long key, String uri, String split, int shard, String status, String problem) {
    }

    /**
     * Every sample of the manifest ({@link ShardRows#MANIFEST}; its key, uri, split, shard, status and problem columns),
     * read here with Parquet's own reader, in no particular order: no Spark job, whose first Parquet read in a JVM takes
     * seconds, for a driver that wants them all (extract's plan).
     */
    public List<Entry> entries(Storage storage) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (Path file : parquetFiles(storage, new Path(location, MANIFEST))) {
            try (ParquetReader<Group> in = ParquetReader.builder(new EntryColumns(), file).withConf(storage.hadoop()).build()) {
                for (Group g = in.read(); g != null; g = in.read()) {
                    out.add(new Entry(g.getLong("key", 0), g.getString("uri", 0), g.getString("split", 0), g.getInteger("shard", 0),
                            g.getString("status", 0), g.getFieldRepetitionCount("problem") == 0 ? null : g.getString("problem", 0)));
                }
            }
        }
        return out;
    }

    /** The Parquet files of a table Spark wrote into the folder {@code dir} (its data files, not its markers), sorted. */
    public static List<Path> parquetFiles(Storage storage, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (FileStatus st : Storage.listFiles(storage.fs(dir), dir)) {
            String name = st.getPath().getName();
            if (name.endsWith(".parquet") && !name.startsWith(".") && !name.startsWith("_")) files.add(st.getPath());
        }
        files.sort(null);
        return files;
    }

    /** The manifest's columns an {@link Entry} holds, and only those. */
    private static final class EntryColumns extends GroupReadSupport {
        @Override
        public ReadContext init(InitContext context) {
            MessageType file = context.getFileSchema();
            return new ReadContext(new MessageType(file.getName(), file.getType("key"), file.getType("uri"),
                    file.getType("split"), file.getType("shard"), file.getType("status"), file.getType("problem")));
        }
    }

    /** The stored rows of {@code split} ({@link ShardRows}: sample columns, image size and bytes, shard). */
    public Dataset<Row> rows(SparkSession spark, Split split) {
        return spark.read().parquet(new Path(location, SHARDS).toString()).where(col("split").equalTo(split.lower()));
    }

    /** One shard, collected on the driver. */
    public Shard load(SparkSession spark, Split split, int shard) {
        if (shard < 0 || shard >= shards(split)) {
            throw new IllegalArgumentException(split.lower() + " shard " + shard + " does not exist in " + location
                    + " (it has " + shards(split) + ")");
        }
        List<Row> rows = rows(spark, split).where(col("shard").equalTo(shard)).collectAsList();
        return ShardRows.shard(split, shard, rows.iterator());
    }

    /**
     * The shards of {@code split} as an RDD with exactly one {@link Shard} per partition, partition {@code i} holding
     * shard {@code i}: what a training task works on. Each task reads its shard's folder
     * ({@code shards/split=<split>/shard=<i>/}) with Parquet's own reader: no Spark SQL plan and no shuffle (the first
     * read through Spark SQL and the shuffle of its rows into their shards took 2-3 s of the README's main job;
     * docs/performance.md, "Reading shards"). A task fails when its folder does not hold the images the manifest lists
     * stored there.
     */
    public JavaRDD<Shard> shards(SparkSession spark, Split split) {
        return shards(spark, split, null);
    }

    /**
     * As {@link #shards(SparkSession, Split)}, reading only the shards in {@code only} (null = all): the other
     * partitions hold empty shards.
     */
    public JavaRDD<Shard> shards(SparkSession spark, Split split, java.util.Set<Integer> only) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = shards(split);
        if (n == 0) return jsc.emptyRDD();
        int[] stored = storedPerShard(split);
        boolean[] read = new boolean[n];
        for (int i = 0; i < n; i++) read[i] = only == null || only.contains(i);
        String folder = new Path(new Path(location, SHARDS), "split=" + split.lower()).toString();
        return jsc.parallelize(java.util.stream.IntStream.range(0, n).boxed().toList(), n)
                .mapPartitionsWithIndex((Integer i, Iterator<Integer> ignored) -> List.of(read[i]
                        ? readShard(ExecutorHadoop.storage(), folder + "/shard=" + i, split, i, stored[i])
                        : Shard.builder(split, i).build()).iterator(), true);
    }

    /**
     * How many images of {@code split} the manifest lists as stored in each of its shards: every split's
     * counts from one reading of the manifest, kept for the next split (a training reads train, query and gallery).
     */
    private synchronized int[] storedPerShard(Split split) {
        if (stored == null) {
            java.util.Map<String, int[]> counts = new java.util.HashMap<>();
            for (Split sp : Split.values()) counts.put(sp.lower(), new int[shards(sp)]);
            try {
                for (Entry e : entries(storage)) {
                    int[] c = counts.get(e.split());
                    if (c != null && ShardRows.OK.equals(e.status()) && e.shard() >= 0 && e.shard() < c.length) c[e.shard()]++;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the manifest of the shard set " + location + ": " + e.getMessage(), e);
            }
            stored = counts;
        }
        return stored.get(split.lower()).clone();
    }

    /**
     * Shard {@code id} of {@code split} read from its folder's Parquet files ({@link ShardRows}' stored columns; the
     * split and shard are the folders' names), which must hold the {@code expected} images the manifest lists there.
     */
    private static Shard readShard(Storage storage, String folder, Split split, int id, int expected) throws IOException {
        Shard.Builder b = Shard.builder(split, id);
        int read = 0;
        if (expected > 0) {
            List<Path> files;
            try {
                files = parquetFiles(storage, Storage.path(folder));
            } catch (java.io.FileNotFoundException e) {
                files = List.of();
            }
            for (Path file : files) {
                try (ParquetReader<Group> in = ParquetReader.builder(new GroupReadSupport(), file).withConf(storage.hadoop()).build()) {
                    for (Group g = in.read(); g != null; g = in.read()) {
                        Sample sample = new Sample(g.getString("uri", 0), g.getInteger("pid", 0), g.getInteger("label", 0),
                                g.getInteger("camid", 0), g.getInteger("clothes", 0), split);
                        b.add(g.getLong("key", 0), sample, ShardRows.image(g));
                        read++;
                    }
                }
            }
        }
        if (read != expected) {
            throw new IOException("shard folder " + folder + " holds " + read + " images; the shard set's manifest lists " + expected
                    + " stored there: the shard set is damaged; make it again with the shard job");
        }
        return b.build();
    }

    /** Shard id {@code i} goes to partition {@code i}. */
    public static final class ByShard extends Partitioner {
        private final int n;

        public ByShard(int n) {
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            int k = (Integer) key;
            if (k < 0 || k >= n) throw new IllegalArgumentException("shard " + k + " outside 0.." + (n - 1));
            return k;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByShard b && b.n == n;
        }

        @Override
        public int hashCode() {
            return n;
        }
    }
}
