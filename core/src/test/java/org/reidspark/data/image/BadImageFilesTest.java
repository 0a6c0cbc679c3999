package org.reidspark.data.image;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.testing.FlakyFileSystem;

import javax.imageio.IIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image files a dataset really holds and the JDK alone gets wrong (issue 18): CMYK and YCCK JPEGs with an embedded ICC
 * profile (Photoshop's), a 16-bit RGB PNG, files whose header declares 30000 x 30000 pixels, text named {@code .jpg},
 * names with spaces, commas, quotes and non-ASCII letters; and a storage failure while reading, which is not a bad
 * image.
 */
class BadImageFilesTest {
    private static final ImageDecoder DECODER = new ImageDecoder(Alpha.DROP);

    @TempDir
    java.nio.file.Path tmp;

    /**
     * A 16 x 8 four-channel JPEG as Adobe writes it: Adobe's APP14 marker ({@code transform} 0 = CMYK, 2 = YCCK), an
     * ICC profile in APP2 when {@code profile}, inverted ink values. Left half: no ink (white); right half: full cyan; the bottom two rows
     * full black ink.
     */
    static byte[] adobeJpeg(int transform, boolean withProfile) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                int c = x >= 8 ? 0 : 255; // stored inverted: 255 = no ink
                int m = 255;
                int yy = 255;
                int k = y >= 6 ? 0 : 255;
                if (transform == 2) { // YCCK: 255 - (C, M, Y) encoded as RGB -> YCbCr, K as it is
                    double rr = 255 - c, gg = 255 - m, bb = 255 - yy;
                    r.setSample(x, y, 0, clamp(0.299 * rr + 0.587 * gg + 0.114 * bb));
                    r.setSample(x, y, 1, clamp(-0.168736 * rr - 0.331264 * gg + 0.5 * bb + 128));
                    r.setSample(x, y, 2, clamp(0.5 * rr - 0.418688 * gg - 0.081312 * bb + 128));
                } else {
                    r.setSample(x, y, 0, c);
                    r.setSample(x, y, 1, m);
                    r.setSample(x, y, 2, yy);
                }
                r.setSample(x, y, 3, k);
            }
        }
        ImageWriter writer = jdkJpegWriter();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(1f);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(r, null, null), param);
        } finally {
            writer.dispose();
        }
        byte[] plain = bytes.toByteArray();
        ByteArrayOutputStream segments = new ByteArrayOutputStream();
        segments.write(new byte[]{(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform});
        // the JDK's reader refuses any ICC profile on a four-channel JPEG; the sRGB profile stands in for a CMYK one
        if (withProfile) {
        byte[] profile = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();
        byte[] tag = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + tag.length + 2 + profile.length;
        segments.write(new byte[]{(byte) 0xFF, (byte) 0xE2, (byte) (length >> 8), (byte) length});
        segments.write(tag);
        segments.write(new byte[]{1, 1});
        segments.write(profile);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 2); // SOI
        out.write(segments.toByteArray());
        out.write(plain, 2, plain.length - 2);
        return out.toByteArray();
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static ImageWriter jdkJpegWriter() {
        var it = ImageIO.getImageWritersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.")) return w;
        }
        throw new IllegalStateException("no JDK JPEG writer");
    }

    private static int[] rgb(RgbImage img, int y, int x) {
        return new int[]{img.get(y, x, 0), img.get(y, x, 1), img.get(y, x, 2)};
    }

    private static void assertColour(int[] expected, int[] actual, String what) {
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(expected[c] - actual[c]) <= 24, what + ": expected about " + java.util.Arrays.toString(expected)
                    + ", got " + java.util.Arrays.toString(actual));
        }
    }

    @Test
    void cmykJpegsWithAnIccProfileAndYcckJpegsDecode() throws IOException {
        // a CMYK JPEG with an embedded profile: the JDK's own reader refuses it, TwelveMonkeys' decodes it
        byte[] cmyk = adobeJpeg(0, true);
        ImageReader jdk = null;
        var readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getClass().getName().startsWith("com.sun.")) jdk = r;
        }
        jdk.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(cmyk)));
        ImageReader refusing = jdk;
        IIOException e = assertThrows(IIOException.class, () -> refusing.read(0));
        assertTrue(e.getMessage().contains("Unsupported Image Type"), e.getMessage());
        // and YCCK (Adobe's transform 2); the same three colours from both, also on a thread whose own JDK reader (kept
        // between images) has just refused one
        for (byte[] jpeg : List.of(cmyk, adobeJpeg(0, false), adobeJpeg(2, false), cmyk)) {
            RgbImage img = DECODER.decode(jpeg, "/data/cmyk.jpg");
            assertEquals(8, img.height());
            assertEquals(16, img.width());
            assertColour(new int[]{255, 255, 255}, rgb(img, 0, 0), "no ink");
            assertColour(new int[]{0, 255, 255}, rgb(img, 0, 15), "cyan");
            assertColour(new int[]{0, 0, 0}, rgb(img, 7, 0), "black");
        }
    }

    @Test
    void sixteenBitRgbPngIsScaledToEightBits() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(3, 1);
        int[][] levels = {{0, 65535, 257 * 7}, {32896, 0, 65535}, {65535, 65535, 65535}};
        for (int x = 0; x < 3; x++) for (int c = 0; c < 3; c++) raster.setSample(x, 0, c, levels[x][c]);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(new BufferedImage(cm, raster, false, null), "png", png));
        RgbImage img = DECODER.decode(png.toByteArray(), "/data/rgb16.png");
        for (int x = 0; x < 3; x++) {
            for (int c = 0; c < 3; c++) assertEquals(Math.round(levels[x][c] * 255.0 / 65535), img.get(0, x, c), "x " + x + " c " + c);
        }
    }

    /** {@code jpeg} with its frame header (SOF0) declaring {@code width} x {@code height}. */
    static byte[] withJpegSize(byte[] jpeg, int width, int height) {
        byte[] out = jpeg.clone();
        for (int i = 2; i + 8 < out.length; i++) {
            if ((out[i] & 0xFF) == 0xFF && (out[i + 1] & 0xFF) == 0xC0) {
                out[i + 5] = (byte) (height >> 8);
                out[i + 6] = (byte) height;
                out[i + 7] = (byte) (width >> 8);
                out[i + 8] = (byte) width;
                return out;
            }
        }
        throw new IllegalArgumentException("no SOF0 marker");
    }

    /** {@code png} with its IHDR chunk declaring {@code width} x {@code height} (CRC updated). */
    static byte[] withPngSize(byte[] png, int width, int height) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 17); // "IHDR" + 13 data bytes
        b.putInt(29, (int) crc.getValue());
        return out;
    }

    @Test
    void imagesLargerThanThePixelLimitAreRefusedFromTheirHeader() throws IOException {
        BufferedImage small = new BufferedImage(16, 8, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(small, "jpeg", jpeg);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(small, "png", png);
        long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        for (byte[] huge : List.of(withJpegSize(jpeg.toByteArray(), 30000, 30000), withPngSize(png.toByteArray(), 30000, 30000))) {
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(huge, "/data/huge.img"));
            assertTrue(e.getMessage().contains("30000 x 30000") && e.getMessage().contains("reid.decode.max-pixels = 50000000")
                    && e.getMessage().contains("/data/huge.img"), e.getMessage());
        }
        // the same limit applies to any size: a 16 x 8 image is refused by a decoder allowing 100 pixels
        ImageDecoder tiny = new ImageDecoder(Alpha.DROP, 100);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> tiny.decode(png.toByteArray(), "/data/s.png"));
        assertTrue(e.getMessage().contains("16 x 8"), e.getMessage());
        assertEquals(8, new ImageDecoder(Alpha.DROP, 128).decode(png.toByteArray(), "/data/s.png").height());
        long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(heapAfter - heapBefore < 1L << 30, "no gigabyte was allocated for the refused images");
    }

    @Test
    void emptyFilesAndTextNamedJpgAreBadImagesNamingWhatTheyHold() {
        ImageDecodeException empty = assertThrows(ImageDecodeException.class, () -> DECODER.decode(new byte[0], "/d/empty.jpg"));
        assertTrue(empty.problem().contains("empty file (0 bytes)"), empty.getMessage());
        ImageDecodeException text = assertThrows(ImageDecodeException.class,
                () -> DECODER.decode("<html>404 Not Found</html>".getBytes(StandardCharsets.UTF_8), "/d/page.jpg"));
        assertTrue(text.problem().contains("not an image") && text.problem().contains("starts with \"<html>404 Not Fo"),
                text.getMessage());
    }

    @Test
    void fileNamesWithSpacesCommasQuotesAndNonAsciiLettersAreRead() throws IOException {
        BufferedImage img = new BufferedImage(4, 6, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(1, 2, 0x123456);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        Storage storage = new Storage(new Configuration());
        for (String name : List.of("a b.png", "a,b.png", "it's \"q\".png", "Zoë_Ñandú_李.png", "50% #1.png")) {
            java.nio.file.Path f = tmp.resolve("dir with space").resolve(name);
            Files.createDirectories(f.getParent());
            Files.write(f, png.toByteArray());
            RgbImage read = DECODER.read(storage, f.toString());
            assertEquals(0x12, read.get(2, 1, 0), name);
            assertEquals(0x56, read.get(2, 1, 2), name);
        }
    }

    @Test
    void aStorageFailureWhileReadingIsNotABadImage() throws IOException {
        BufferedImage img = new BufferedImage(4, 6, BufferedImage.TYPE_3BYTE_BGR);
        java.nio.file.Path f = tmp.resolve("flaky.png");
        ImageIO.write(img, "png", f.toFile());
        Storage storage = new Storage(FlakyFileSystem.install(new Configuration()));
        ImageReadException e = assertThrows(ImageReadException.class, () -> DECODER.read(storage, f.toString()));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("Connection reset"), e.getMessage());
        assertEquals(f.toString(), e.uri());
        // a file that does not exist is a bad image, not a storage failure
        ImageDecodeException missing = assertThrows(ImageDecodeException.class,
                () -> DECODER.read(storage, tmp.resolve("gone.png").toString()));
        assertTrue(missing.problem().contains("not found"), missing.getMessage());
    }
}
