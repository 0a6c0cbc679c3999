package org.reidspark.data.image;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private static final ImageDecoder DROP = new ImageDecoder(Alpha.DROP);
    private static final ImageDecoder BLACK = new ImageDecoder(Alpha.BLACK);

    @TempDir
    Path tmp;

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format);
        return out.toByteArray();
    }

    private static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static BufferedImage randomRgb(int h, int w, int type, long seed) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt() | 0xFF000000);
        return img;
    }

    private static void assertSameAsArgb(BufferedImage expected, RgbImage actual) {
        assertEquals(expected.getHeight(), actual.height());
        assertEquals(expected.getWidth(), actual.width());
        for (int y = 0; y < actual.height(); y++) {
            for (int x = 0; x < actual.width(); x++) {
                int argb = expected.getRGB(x, y);
                assertEquals((argb >> 16) & 0xFF, actual.get(y, x, 0), "R at " + y + "," + x);
                assertEquals((argb >> 8) & 0xFF, actual.get(y, x, 1), "G at " + y + "," + x);
                assertEquals(argb & 0xFF, actual.get(y, x, 2), "B at " + y + "," + x);
            }
        }
    }

    @Test
    void pngRoundTripIsExact() throws IOException {
        for (int type : new int[]{BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB}) {
            BufferedImage src = randomRgb(9, 7, type, type);
            RgbImage img = DROP.decode(encode(src, "png"), "mem://rgb.png");
            assertSameAsArgb(src, img);
        }
    }

    @Test
    void jpegMatchesTheJdkDecodeAndIsCloseToTheSource() throws IOException {
        BufferedImage src = new BufferedImage(32, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) src.setRGB(x, y, (x * 8) << 16 | (y * 16) << 8 | 128);
        }
        byte[] bytes = jpeg(src, 1.0f);
        RgbImage img = DROP.decode(bytes, "mem://smooth.jpg");
        // our raster path against the JDK's own sRGB conversion of the same decode
        assertSameAsArgb(ImageIO.read(new ByteArrayInputStream(bytes)), img);
        double err = 0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                int argb = src.getRGB(x, y);
                err += Math.abs(((argb >> 16) & 0xFF) - img.get(y, x, 0)) + Math.abs(((argb >> 8) & 0xFF) - img.get(y, x, 1))
                        + Math.abs((argb & 0xFF) - img.get(y, x, 2));
            }
        }
        assertTrue(err / (16 * 32 * 3) < 4, "JPEG at quality 1 of a smooth image, mean error " + err / (16 * 32 * 3));
    }

    @Test
    void grayscaleIsReplicatedToThreeChannelsWithoutGammaConversion() throws IOException {
        BufferedImage gray = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = gray.getRaster();
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) r.setSample(x, y, 0, y * 60 + x * 7);
        for (String format : new String[]{"png", "jpg"}) {
            byte[] bytes = format.equals("png") ? encode(gray, "png") : jpeg(gray, 1.0f);
            RgbImage img = DROP.decode(bytes, "mem://gray." + format);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 5; x++) {
                    assertEquals(img.get(y, x, 0), img.get(y, x, 1));
                    assertEquals(img.get(y, x, 0), img.get(y, x, 2));
                    int expected = y * 60 + x * 7;
                    if (format.equals("png")) assertEquals(expected, img.get(y, x, 0), "gray level at " + y + "," + x);
                    else assertTrue(Math.abs(expected - img.get(y, x, 0)) <= 3, "JPEG gray level at " + y + "," + x);
                }
            }
        }
    }

    @Test
    void sixteenBitGrayIsScaledToEightBits() throws IOException {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] levels = {0, 32896, 65535};
        for (int x = 0; x < 3; x++) gray.getRaster().setSample(x, 0, 0, levels[x]);
        RgbImage img = DROP.decode(encode(gray, "png"), "mem://gray16.png");
        for (int x = 0; x < 3; x++) {
            int expected = (int) Math.round(levels[x] * 255.0 / 65535);
            for (int c = 0; c < 3; c++) assertEquals(expected, img.get(0, x, c));
        }
    }

    @Test
    void paletteImagesGoThroughThePalette() throws IOException {
        byte[] r = {(byte) 255, 0, 0, 17};
        byte[] g = {0, (byte) 255, 0, 34};
        byte[] b = {0, 0, (byte) 255, 51};
        IndexColorModel icm = new IndexColorModel(2, 4, r, g, b);
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, icm);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 4; x++) img.getRaster().setSample(x, y, 0, (x + y) % 4);
        byte[] bytes = encode(img, "png");
        assertInstanceOf(IndexColorModel.class, ImageIO.read(new ByteArrayInputStream(bytes)).getColorModel(),
                "the PNG must be stored with a palette for this test to mean anything");
        RgbImage out = DROP.decode(bytes, "mem://palette.png");
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 4; x++) {
                int i = (x + y) % 4;
                assertEquals(r[i] & 0xFF, out.get(y, x, 0));
                assertEquals(g[i] & 0xFF, out.get(y, x, 1));
                assertEquals(b[i] & 0xFF, out.get(y, x, 2));
            }
        }
    }

    @Test
    void alphaIsDroppedOrCompositedOverBlack() throws IOException {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        int[] alphas = {0, 128, 255};
        for (int x = 0; x < 3; x++) img.setRGB(x, 0, alphas[x] << 24 | 200 << 16 | 100 << 8 | 50);
        byte[] bytes = encode(img, "png");
        assertTrue(ImageIO.read(new ByteArrayInputStream(bytes)).getColorModel().hasAlpha());
        RgbImage dropped = DROP.decode(bytes, "mem://alpha.png");
        RgbImage black = BLACK.decode(bytes, "mem://alpha.png");
        int[] rgb = {200, 100, 50};
        for (int x = 0; x < 3; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(rgb[c], dropped.get(0, x, c));
                assertEquals(Math.round(rgb[c] * alphas[x] / 255.0), black.get(0, x, c), "composited at x=" + x + " c=" + c);
            }
        }
    }

    @Test
    void grayWithAlphaIsHandled() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[]{100, 255});
        raster.setPixel(1, 0, new int[]{100, 51});
        BufferedImage img = new BufferedImage(cm, raster, false, null);
        byte[] bytes = encode(img, "png");
        RgbImage dropped = DROP.decode(bytes, "mem://ga.png");
        RgbImage black = BLACK.decode(bytes, "mem://ga.png");
        for (int c = 0; c < 3; c++) {
            assertEquals(100, dropped.get(0, 0, c));
            assertEquals(100, dropped.get(0, 1, c));
            assertEquals(100, black.get(0, 0, c));
            assertEquals(20, black.get(0, 1, c)); // 100 * 51 / 255
        }
    }

    @Test
    void truncatedAndCorruptFilesFailNamingTheUri() throws IOException {
        BufferedImage src = randomRgb(64, 32, BufferedImage.TYPE_3BYTE_BGR, 3);
        byte[] png = encode(src, "png");
        byte[] jpg = jpeg(src, 0.9f);
        byte[][] bad = {Arrays.copyOf(png, png.length / 2), Arrays.copyOf(jpg, jpg.length / 2), new byte[0],
                "not an image at all".getBytes()};
        String[] uris = {"s3a://bucket/a/truncated.png", "/data/b/truncated.jpg", "/data/empty.jpg", "/data/text.png"};
        for (int i = 0; i < bad.length; i++) {
            int n = i;
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DROP.decode(bad[n], uris[n]));
            assertTrue(e.getMessage().contains(uris[n]), e.getMessage());
            assertEquals(uris[n], e.uri());
        }
    }

    @Test
    void aThreadsJpegReaderDecodesEachImageAsAFreshReaderDoes() throws Exception {
        byte[] a = jpeg(randomRgb(24, 12, BufferedImage.TYPE_3BYTE_BGR, 11), 0.9f);
        byte[] b = jpeg(randomRgb(10, 30, BufferedImage.TYPE_3BYTE_BGR, 12), 0.5f); // another size and quality
        byte[] gray = jpeg(randomRgb(8, 8, BufferedImage.TYPE_BYTE_GRAY, 13), 0.8f);
        byte[] truncated = Arrays.copyOf(a, a.length / 2);
        // one thread, in turn: every image as ImageIO's own fresh reader decodes it, also after another size, another
        // colour model and a failure
        java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (byte[] bytes : new byte[][] {a, b, gray, a, truncated, b, a}) {
                if (bytes == truncated) {
                    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                            () -> one.submit(() -> DROP.decode(bytes, "/data/truncated.jpg")).get());
                    assertInstanceOf(ImageDecodeException.class, e.getCause());
                    continue;
                }
                RgbImage img = one.submit(() -> DROP.decode(bytes, "/data/x.jpg")).get();
                RgbImage fresh = ImageDecoder.toRgb(withNewJdkReader(bytes), Alpha.DROP);
                assertEquals(fresh.height(), img.height());
                assertEquals(fresh.width(), img.width());
                assertTrue(Arrays.equals(fresh.rgb(), img.rgb()), "the same pixels as a new reader's");
            }
        } finally {
            one.shutdownNow();
        }
    }

    /** {@code bytes} decoded by a new instance of the JDK's own JPEG reader. */
    private static BufferedImage withNewJdkReader(byte[] bytes) throws IOException {
        for (var it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            javax.imageio.ImageReader r = it.next();
            if (!r.getClass().getName().startsWith("com.sun.")) continue;
            try (var in = new javax.imageio.stream.MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
                r.setInput(in);
                return r.read(0);
            } finally {
                r.dispose();
            }
        }
        throw new AssertionError("no JDK JPEG reader");
    }

    @Test
    void readsThroughStorageAndNamesMissingFiles() throws IOException {
        BufferedImage src = randomRgb(6, 4, BufferedImage.TYPE_3BYTE_BGR, 5);
        Path file = tmp.resolve("img 1.png");
        Files.write(file, encode(src, "png"));
        Storage storage = new Storage(new Configuration());
        assertSameAsArgb(src, DROP.read(storage, file.toString()));
        assertSameAsArgb(src, DROP.read(storage, "file://" + file.toAbsolutePath())); // Hadoop URIs are not %-encoded
        String missing = tmp.resolve("missing.jpg").toString();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DROP.read(storage, missing));
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void binaryFormRoundTripsAndRejectsOtherBytes() {
        RgbImage img = new RgbImage(2, 3, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, -1});
        assertEquals(img, RgbImage.fromBytes(img.toBytes()));
        byte[] cut = Arrays.copyOf(img.toBytes(), img.toBytes().length - 1);
        assertThrows(IllegalArgumentException.class, () -> RgbImage.fromBytes(cut));
        assertThrows(IllegalArgumentException.class, () -> RgbImage.fromBytes(new byte[20]));
    }
}
