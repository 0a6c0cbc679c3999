package org.reidspark.jobs.extract;

import org.reidspark.jobs.testing.JobRun;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.jobs.Main;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.run.TrainedModel;
import org.reidspark.eval.TestFeatures;
import org.reidspark.method.Methods;
import org.reidspark.train.TrainingState;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the extract job's tests share: a tiny untrained BoT model published as a run (ResNet-18 at width 0.125, input
 * 32x16), a small image tree (JPEGs and PNGs of 32x16 in nested folders, one truncated JPEG, files the listing must
 * skip), running the job in-process on local[2], and the reference embeddings of the core {@link Embedder}.
 */
final class ExtractFixture {
    /** Readable images in {@link #writeImages}'s tree. */
    static final List<String> GOOD = List.of("cam1/0001.jpg", "cam1/0002.jpg", "cam1/0003.png", "cam2/0004.JPG",
            "cam2/0005.jpeg", "cam2/deep/0006.png", "cam2/deep/0007.jpg", "cam3/0008.jpg");
    /** The truncated JPEG. */
    static final String CORRUPT = "cam3/0009.jpg";
    /** Listed images: the readable ones and the corrupt one. */
    static final int LISTED = GOOD.size() + 1;

    private ExtractFixture() {
    }

    /** A published BoT run named {@code name} under {@code base} with a random (untrained) network. */
    static Path publishModel(Path base, String name, long seed) throws IOException {
        Config config = ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.run.name=" + name, "reid.run.output=\"" + base + "\""));
        Method bot = Methods.of(config);
        TrainingState state = bot.initialize(new TrainingData(4, 0), seed, null);
        try (RunDirectory run = RunDirectory.create(localStorage(), RunConfig.from(config), config, "train")) {
            run.writeModels(state.trainedNetworks());
            run.publish();
        }
        return base.resolve(name);
    }

    /** The image tree: {@link #GOOD}, {@link #CORRUPT}, and a text file, a hidden image and an image in a '_' folder. */
    static Path writeImages(Path root) throws IOException {
        for (int i = 0; i < GOOD.size(); i++) {
            String name = GOOD.get(i);
            write(root.resolve(name), encode(i, name.toLowerCase().endsWith(".png") ? "png" : "jpeg"));
        }
        byte[] jpeg = encode(9, "jpeg");
        write(root.resolve(CORRUPT), Arrays.copyOf(jpeg, jpeg.length / 2));
        write(root.resolve("cam1/notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
        write(root.resolve("cam1/.hidden.jpg"), encode(10, "jpeg"));
        write(root.resolve("_scratch/0010.jpg"), encode(11, "jpeg"));
        return root;
    }

    private static void write(Path f, byte[] bytes) throws IOException {
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
    }

    /** A 32x16 (H x W) image with a pattern of its own. */
    private static byte[] encode(int image, String format) throws IOException {
        BufferedImage img = new BufferedImage(16, 32, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 16; x++) {
                int r = (image * 53 + x * 11) % 256;
                int g = (image * 31 + y * 7) % 256;
                int b = (image * 17 + (x ^ y) * 5) % 256;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IOException("no " + format + " writer");
        return out.toByteArray();
    }


    /** {@code Main.run("extract", ...)} in-process on local[2] (args may override the master). */
    static JobRun extract(List<String> args) {
        // the tree holds 1 corrupt image of 9, a manifest test 1 of 4: above the default reid.extract.max-bad-fraction
        List<String> all = new ArrayList<>(List.of("extract", "reid.spark.master=local[2]",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.embed.batch-size=2", "reid.extract.max-bad-fraction=0.3"));
        all.addAll(args);
        return JobRun.run(all);
    }

    static Storage localStorage() {
        return new Storage(new Configuration());
    }

    /** A local Spark session for reading outputs back (start it only after the job's own session has stopped). */
    static SparkSession spark(List<String> hadoop) {
        SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("extract-test")
                .config("spark.ui.enabled", "false");
        for (String kv : hadoop) {
            int eq = kv.indexOf('=');
            b.config("spark.hadoop." + kv.substring(0, eq), kv.substring(eq + 1));
        }
        return b.getOrCreate();
    }

    /** uri -> embedding of every row of an {@code embeddings.parquet}, checking the columns and row invariants. */
    static Map<String, float[]> embeddings(SparkSession spark, String location, String modelRunId, int dims) {
        var df = spark.read().parquet(location);
        assertEquals("struct<uri:string,embedding:array<float>,model_run_id:string,dims:int>", df.schema().simpleString());
        Map<String, float[]> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            List<Float> e = r.getList(1);
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = e.get(i);
            assertEquals(modelRunId, r.getString(2));
            assertEquals(dims, r.getInt(3));
            assertEquals(dims, v.length);
            assertEquals(null, out.put(r.getString(0), v), "uri " + r.getString(0) + " appears twice");
        }
        return out;
    }

    /**
     * uri -> embedding of every row of a local {@code embeddings.parquet}, read with Parquet's own reader (no Spark),
     * checking each row's model run id and dims.
     */
    static Map<String, float[]> embeddings(Path dir, String modelRunId, int dims) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        for (Group g : rows(dir)) {
            Group list = g.getGroup("embedding", 0);
            float[] v = new float[list.getFieldRepetitionCount("list")];
            for (int i = 0; i < v.length; i++) v[i] = list.getGroup("list", i).getFloat("element", 0);
            assertEquals(modelRunId, g.getString("model_run_id", 0));
            assertEquals(dims, g.getInteger("dims", 0));
            assertEquals(dims, v.length);
            String uri = g.getString("uri", 0);
            assertEquals(null, out.put(uri, v), "uri " + uri + " appears twice");
        }
        return out;
    }

    /** Every row of the Parquet files in a local folder (hidden files skipped, as Spark does). */
    static List<Group> rows(Path dir) throws IOException {
        List<Group> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
        }
        for (Path f : files) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri()))
                    .withConf(new Configuration()).build()) {
                for (Group g = r.read(); g != null; g = r.read()) out.add(g);
            }
        }
        return out;
    }

    /** uri -> reason of every row of an {@code unreadable.parquet}. */
    static Map<String, String> unreadable(SparkSession spark, String location) {
        var df = spark.read().parquet(location);
        assertEquals("struct<uri:string,reason:string>", df.schema().simpleString());
        Map<String, String> out = new HashMap<>();
        for (Row r : df.collectAsList()) out.put(r.getString(0), r.getString(1));
        return out;
    }

    /** The core Embedder's embeddings of local image files, with the model run's preprocessing and no flip. */
    static Map<Path, float[]> reference(Path model, List<Path> files) throws IOException {
        TrainedModel m = TrainedModel.open(localStorage(), model.toString());
        InputConfig input = InputConfig.from(m.config());
        Embedder embedder = new Embedder(m.testNetwork(), input, ImageSource.decoding(localStorage(), input),
                LoaderConfig.from(m.config()), 3, false);
        List<Sample> samples = files.stream().map(f -> new Sample(f.toString(), 0, -1, 0, -1, Split.GALLERY)).toList();
        TestFeatures e = embedder.embed("reference", samples);
        Map<Path, float[]> out = new HashMap<>();
        for (int i = 0; i < files.size(); i++) out.put(files.get(i), e.embedding().matrix().getRow(i).toFloatVector());
        return out;
    }

    /** The run id the job must store for {@code model}. */
    static String runId(Path model) throws IOException {
        return TrainedModel.open(localStorage(), model.toString()).runId();
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertNotNull(actual, what);
        assertEquals(expected.length, actual.length, what);
        float[] diff = new float[expected.length];
        for (int i = 0; i < diff.length; i++) diff[i] = Math.abs(expected[i] - actual[i]) < 1e-5f ? 0 : expected[i] - actual[i];
        assertArrayEquals(new float[expected.length], diff, what + ": differences beyond 1e-5");
    }

    /** Every file below {@code dir} whose name starts with '.', relative to it. */
    static List<String> hiddenFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().startsWith("."))
                    .map(f -> dir.relativize(f).toString()).toList();
        }
    }
}
