package org.reidspark.jobs.shard;

import org.reidspark.jobs.testing.JobRun;
import org.apache.hadoop.conf.Configuration;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Split;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobArgs;
import org.reidspark.jobs.Jobs;
import org.reidspark.jobs.Main;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tiny Market-1501 tree for the shard job's tests: real JPEGs (40x20, colours by person and image) named by the
 * layout's rule, and one truncated JPEG among the training images.
 */
public final class MarketTree {
    static final String FOLDER = "Market-1501-v15.09.15";
    static final int HEIGHT = 16;
    static final int WIDTH = 8;
    /** The truncated training image. */
    static final String CORRUPT = "0002_c2s1_000002_00.jpg";
    /** Training persons and their image counts. */
    static final int[] TRAIN_PIDS = {1, 2, 3, 4, 5};
    static final int[] TRAIN_COUNTS = {4, 3, 3, 2, 2};
    /** All samples: 14 train, 2 query, 5 gallery. */
    static final int SAMPLES = 21;

    private MarketTree() {
    }

    /** Writes the tree under {@code root} (the folder holding Market-1501-v15.09.15). */
    public static Path write(Path root) throws IOException {
        Path base = root.resolve(FOLDER);
        for (int p = 0; p < TRAIN_PIDS.length; p++) {
            for (int i = 0; i < TRAIN_COUNTS[p]; i++) {
                String name = String.format("%04d_c%ds1_%06d_00.jpg", TRAIN_PIDS[p], 1 + i % 2, i + 1);
                byte[] jpeg = jpeg(TRAIN_PIDS[p], i);
                if (name.equals(CORRUPT)) jpeg = Arrays.copyOf(jpeg, jpeg.length / 2);
                write(base.resolve("bounding_box_train").resolve(name), jpeg);
            }
        }
        for (int pid : new int[]{10, 11}) {
            write(base.resolve("query").resolve(String.format("%04d_c1s1_000001_00.jpg", pid)), jpeg(pid, 0));
            for (int i = 0; i < 2; i++) {
                write(base.resolve("bounding_box_test").resolve(String.format("%04d_c2s1_%06d_00.jpg", pid, i + 1)), jpeg(pid, i + 1));
            }
        }
        write(base.resolve("bounding_box_test").resolve("0000_c3s1_000001_00.jpg"), jpeg(0, 9));
        return root;
    }

    private static void write(Path f, byte[] bytes) throws IOException {
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
    }

    static byte[] jpeg(int pid, int image) throws IOException {
        BufferedImage img = new BufferedImage(20, 40, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 20; x++) {
                int r = (pid * 47 + x * 5) % 256;
                int g = (image * 61 + y * 3) % 256;
                int b = (pid * 13 + image * 29 + (x ^ y)) % 256;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "jpeg", out)) throw new IOException("no JPEG writer");
        return out.toByteArray();
    }

    /** What the shard job must have stored for a file: decoded and resized to the training size. */
    static RgbImage expected(byte[] file) {
        return Resize.bilinear(new ImageDecoder(Alpha.DROP).decode(file, "test"), HEIGHT, WIDTH);
    }

    /** The file name of a uri. */
    static String name(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    /** The local file of a sample, by split and name. */
    static Path file(Path root, Split split, String name) {
        String folder = switch (split) {
            case TRAIN -> "bounding_box_train";
            case QUERY -> "query";
            case GALLERY -> "bounding_box_test";
        };
        return root.resolve(FOLDER).resolve(folder).resolve(name);
    }


    /** {@code Main.run("shard", ...)} in-process on local[2] at the test size. */
    static JobRun shard(List<String> args) {
        List<String> all = new ArrayList<>(List.of("shard", "reid.data.dataset=market1501", "reid.spark.master=local[2]",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.input.height=" + HEIGHT, "reid.input.width=" + WIDTH));
        all.addAll(args);
        return JobRun.run(all);
    }

    /** A job context with {@code overrides} for reading a shard set back (Spark session and storage). */
    static JobContext context(List<String> overrides) {
        List<String> all = new ArrayList<>(List.of("reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false"));
        all.addAll(overrides);
        var job = Jobs.byName("shard");
        return new JobContext(job, ConfigLoader.load(all), JobArgs.parse(job, List.of()), System.out);
    }

    static Storage localStorage() {
        return new Storage(new Configuration());
    }
}
