package org.reidspark.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharderTest {
    private static final ImageDecoder DECODER = new ImageDecoder(Alpha.DROP);

    @TempDir
    Path tmp;

    static byte[] jpeg(int h, int w, int seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 7 + seed) % 256) << 16 | ((y * 5) % 256) << 8 | (seed * 31 % 256));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "jpeg", out));
        return out.toByteArray();
    }

    private static Sample sample(Path file) {
        return new Sample("file:" + file.toAbsolutePath(), 3, 0, 1, -1, Split.TRAIN);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void decodesResizesAndHashesOnce() throws Exception {
        byte[] bytes = jpeg(40, 20, 1);
        Path f = Files.write(tmp.resolve("0003_c2s1_000001_01.jpg"), bytes);
        try (Sharder sharder = new Sharder(new Configuration(), DECODER, 16, 8)) {
            ShardRecord r = sharder.shard(42, sample(f), 1);
            assertTrue(r.ok(), r.problem());
            assertEquals(42, r.key());
            assertEquals(1, r.shard());
            assertEquals(16, r.image().height());
            assertEquals(8, r.image().width());
            assertEquals(sha256(bytes), r.sha256());
            RgbImage expected = Resize.bilinear(DECODER.decode(bytes, "x"), 16, 8);
            assertEquals(expected, r.image());
        }
    }

    @Test
    void badFilesBecomeRecordsWithTheirProblem() throws Exception {
        byte[] good = jpeg(40, 20, 2);
        Path truncated = Files.write(tmp.resolve("truncated.jpg"), Arrays.copyOf(good, good.length / 2));
        Path text = Files.writeString(tmp.resolve("text.jpg"), "not an image at all");
        Path missing = tmp.resolve("missing.jpg");
        try (Sharder sharder = new Sharder(new Configuration(), DECODER, 16, 8)) {
            ShardRecord t = sharder.shard(0, sample(truncated), 0);
            assertFalse(t.ok());
            assertNull(t.image());
            assertTrue(t.problem().contains("corrupt") || t.problem().contains("truncated"), t.problem());
            assertFalse(t.problem().contains(truncated.toString()), "the problem does not repeat the uri: " + t.problem());
            assertEquals(sha256(Files.readAllBytes(truncated)), t.sha256(), "a readable file is hashed even when it does not decode");

            ShardRecord x = sharder.shard(1, sample(text), 0);
            assertFalse(x.ok());
            assertTrue(x.problem().contains("not an image"), x.problem());

            ShardRecord m = sharder.shard(2, sample(missing), 0);
            assertFalse(m.ok());
            assertEquals("file not found", m.problem());
            assertNull(m.sha256());

            ShardRecord g = sharder.shard(3, sample(Files.write(tmp.resolve("good.jpg"), good)), 0);
            assertTrue(g.ok(), "the sharder goes on after bad files");
            assertNotNull(g.image());
        }
    }

    @Test
    void aStorageFailureWhileReadingFailsInsteadOfMarkingTheImageBad() throws Exception {
        Path flaky = Files.write(tmp.resolve("flaky.jpg"), jpeg(40, 20, 4));
        Configuration conf = org.reidspark.testing.FlakyFileSystem.install(new Configuration());
        try (Sharder sharder = new Sharder(conf, DECODER, 16, 8)) {
            org.reidspark.data.image.ImageReadException e = assertThrows(org.reidspark.data.image.ImageReadException.class,
                    () -> sharder.shard(0, sample(flaky), 0));
            assertTrue(e.getMessage().contains("flaky.jpg") && e.getMessage().contains("Connection reset"), e.getMessage());
        }
    }
}
