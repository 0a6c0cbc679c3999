package org.reidspark.data.image;

import org.reidspark.artifact.Storage;

import javax.imageio.IIOException;
import javax.imageio.ImageReader;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes JPEG and PNG (and whatever else the JDK's ImageIO reads: BMP, GIF, TIFF) into an {@link RgbImage}.
 * Grayscale is replicated to three channels; palette images go through their palette; 16-bit samples are
 * scaled to 8 bits; an alpha channel is dropped or composited over black ({@link Alpha}). No colour
 * management is applied (embedded ICC profiles are ignored, as PIL does). A truncated or corrupt file is an
 * {@link ImageDecodeException} naming the uri: decoder warnings (for example a JPEG's missing end marker, which
 * ImageIO would otherwise decode as a partly grey image) are errors, except a JPEG's "extraneous bytes" notice.
 * CMYK and YCCK JPEGs, which the JDK's reader refuses ("Unsupported Image Type"), are decoded by TwelveMonkeys' JPEG
 * reader (registered here, so it is found whatever class loader Spark gives the application); the JDK's reader stays
 * the first choice for every other JPEG. An image whose header declares more than {@code maxPixels} pixels is refused
 * before any pixel is decoded (a 30000 x 30000 image would need 2.7 GB), as an {@link ImageDecodeException}.
 *
 * <p>Reading and decoding fail differently: a file that does not exist or bytes that do not decode are an
 * {@link ImageDecodeException} (the image is bad; a job records it and goes on), a storage failure while reading is an
 * {@link ImageReadException} (it may pass; a job fails its task so that Spark retries it).
 * Thread-safe: every call uses its own reader (JPEGs the calling thread's, kept between calls).
 */
public final class ImageDecoder {
    /** {@code reid.decode.max-pixels}'s default: 50 megapixels (an 8-bit RGB copy of 150 MB). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    static {
        // TwelveMonkeys' JPEG reader: registered explicitly (ImageIO scans only the system class path by itself)
        javax.imageio.spi.IIORegistry.getDefaultInstance()
                .registerServiceProvider(new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi());
    }

    private final Alpha alpha;
    private final long maxPixels;

    public ImageDecoder(Alpha alpha) {
        this(alpha, DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels the largest width x height decoded ({@code reid.decode.max-pixels}) */
    public ImageDecoder(Alpha alpha, long maxPixels) {
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        this.alpha = alpha;
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public Alpha alpha() {
        return alpha;
    }

    /** Reads the file at {@code uri} (local path, file:, s3a://, hdfs://) through {@code storage} and decodes it. */
    public RgbImage read(Storage storage, String uri) {
        return read(fromStorage(storage), uri);
    }

    /** Reads the file at {@code uri} with {@code reading} and decodes it; failures as {@link #readBytes(String, Reading)} tells them. */
    public RgbImage read(Reading reading, String uri) {
        return decode(readBytes(uri, reading), uri);
    }

    /**
     * The raw bytes of the file at {@code uri}. A file that does not exist is an {@link ImageDecodeException}; any other
     * failure to read it (the storage's, which may pass) is an {@link ImageReadException}.
     */
    public static byte[] readBytes(Storage storage, String uri) {
        return readBytes(uri, fromStorage(storage));
    }

    /** Reads a file's bytes by its uri: {@link #fromStorage}, or a reader that knows more about the files than their uris. */
    @FunctionalInterface
    public interface Reading {
        byte[] read(String uri) throws IOException;
    }

    /** {@link Storage#readBytes} of each uri's path. */
    public static Reading fromStorage(Storage storage) {
        return uri -> storage.readBytes(Storage.path(uri));
    }

    /** The bytes {@code reading} reads of the file at {@code uri}, its failures told apart as {@link #readBytes(Storage, String)} does. */
    public static byte[] readBytes(String uri, Reading reading) {
        try {
            return reading.read(uri);
        } catch (FileNotFoundException e) {
            throw new ImageDecodeException(uri, "file not found", e);
        } catch (IOException e) {
            throw new ImageReadException(uri, e);
        } catch (java.io.UncheckedIOException e) {
            throw new ImageReadException(uri, e.getCause());
        } catch (IllegalArgumentException e) {
            throw new ImageDecodeException(uri, "not a valid file name: " + e.getMessage(), e);
        }
    }

    /** Decodes encoded image {@code bytes}; {@code uri} only names the image in errors. */
    public RgbImage decode(byte[] bytes, String uri) {
        if (bytes.length == 0) throw new ImageDecodeException(uri, "empty file (0 bytes)");
        BufferedImage img = jpeg(bytes) ? withThreadsJpegReader(bytes, uri) : null;
        if (img == null) {
            List<ImageReader> readers = readers(bytes, uri);
            try {
                for (int i = 0; i < readers.size() && img == null; i++) img = attempt(readers.get(i), bytes, uri, i + 1 < readers.size());
            } finally {
                for (ImageReader r : readers) r.dispose();
            }
        }
        if (img == null) throw new ImageDecodeException(uri, "the decoder returned no image");
        if (img.getWidth() <= 0 || img.getHeight() <= 0) throw new ImageDecodeException(uri, "empty image");
        return toRgb(img, alpha);
    }

    /**
     * Per thread, the JDK's JPEG reader, kept from one image to the next: making one (as {@link ImageIO#getImageReaders}
     * does for every call, with TwelveMonkeys' beside it) sets up libjpeg's native state, about a tenth of decoding one of
     * the synthetic benchmark's 128 x 64 JPEGs. Null where this JVM has no JPEG reader but TwelveMonkeys'.
     */
    private static final ThreadLocal<ImageReader> JPEG_READER = ThreadLocal.withInitial(() -> {
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader r = it.next();
            if (!r.getClass().getName().startsWith("com.twelvemonkeys")) return r;
        }
        return null;
    });

    /** Starts as a JPEG does (SOI marker), as the JDK's JPEG reader recognises one. */
    private static boolean jpeg(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xD8;
    }

    /**
     * A JPEG decoded by this thread's JDK reader; null where that reader refuses its type (CMYK, YCCK: the readers of
     * {@link #readers} then take it). The reader is reset for the next image, or dropped after any failure.
     */
    private BufferedImage withThreadsJpegReader(byte[] bytes, String uri) {
        ImageReader reader = JPEG_READER.get();
        if (reader == null) return null;
        BufferedImage img = null;
        try {
            img = attempt(reader, bytes, uri, true);
            return img;
        } finally {
            if (img != null) {
                reader.reset();
            } else {
                reader.dispose();
                JPEG_READER.remove();
            }
        }
    }

    /**
     * One decoding attempt with {@code reader}: the image, or null where the reader refuses a CMYK or YCCK JPEG and
     * {@code another} reader may decode it; every other failure is an {@link ImageDecodeException}.
     */
    private BufferedImage attempt(ImageReader reader, byte[] bytes, String uri, boolean another) {
        try {
            return read(reader, bytes, uri);
        } catch (IIOException e) {
            // the JDK's JPEG reader refuses CMYK and YCCK: the next reader (TwelveMonkeys') may decode them
            if (another && String.valueOf(e.getMessage()).contains("Unsupported Image Type")) return null;
            throw new ImageDecodeException(uri, "corrupt, truncated or unsupported image: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageDecodeException d) throw d;
            throw new ImageDecodeException(uri, "cannot decode: " + e, e);
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(uri, "too large to decode in this JVM's memory (" + e.getMessage() + ")");
        }
    }

    /** The readers that claim {@code bytes}, the JDK's own first. */
    private static List<ImageReader> readers(byte[] bytes, String uri) {
        List<ImageReader> out = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> it = ImageIO.getImageReaders(in);
            while (it.hasNext()) out.add(it.next());
        } catch (IOException e) {
            throw new ImageDecodeException(uri, "cannot decode: " + e, e);
        }
        if (out.isEmpty()) {
            throw new ImageDecodeException(uri, "not an image in a known format (" + bytes.length + " bytes" + head(bytes) + ")");
        }
        out.sort(java.util.Comparator.comparingInt(r -> r.getClass().getName().startsWith("com.twelvemonkeys") ? 1 : 0));
        return out;
    }

    /** One decoding attempt with {@code reader}; its warnings (other than extraneous bytes) are errors. */
    private BufferedImage read(ImageReader reader, byte[] bytes, String uri) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> {
                if (!harmless(warning)) warnings.add(String.valueOf(warning));
            });
            long w = reader.getWidth(0);
            long h = reader.getHeight(0);
            if (w * h > maxPixels) {
                throw new ImageDecodeException(uri, "image of " + w + " x " + h + " pixels is larger than reid.decode.max-pixels = "
                        + maxPixels + " (not decoded)");
            }
            BufferedImage img = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new ImageDecodeException(uri, "corrupt or truncated image: " + String.join("; ", warnings));
            }
            return img;
        }
    }

    /**
     * A decoder warning that says nothing about the pixels: a JPEG's "extraneous bytes" notice, and TwelveMonkeys'
     * notices about an embedded ICC profile it ignores (no colour management is applied here anyway).
     */
    private static boolean harmless(String warning) {
        return warning != null && (warning.contains("extraneous bytes") || warning.contains("ICC color profile")
                || warning.contains("ICC profile"));
    }

    /** The first bytes of a file no reader claims, when they are text (", starts with \"...\""), else "". */
    private static String head(byte[] bytes) {
        int n = Math.min(bytes.length, 16);
        for (int i = 0; i < n; i++) if (bytes[i] < 0x09 || (bytes[i] > 0x0d && bytes[i] < 0x20)) return "";
        return ", starts with \"" + new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8).replace("\n", "\\n") + "\"";
    }

    /** {@code img} as 8-bit RGB, whatever its colour model. */
    public static RgbImage toRgb(BufferedImage img, Alpha alpha) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[h * w * 3];
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int csType = cm.getColorSpace().getType();
        if (cm instanceof IndexColorModel icm) {
            fromPalette(raster, icm, alpha, out);
        } else if (cm instanceof ComponentColorModel && (csType == ColorSpace.TYPE_RGB || csType == ColorSpace.TYPE_GRAY)
                && raster.getTransferType() != DataBuffer.TYPE_FLOAT && raster.getTransferType() != DataBuffer.TYPE_DOUBLE) {
            if (!fromInterleavedBytes(raster, cm, alpha, out)) fromComponents(raster, cm, alpha, out);
        } else {
            fromArgb(img, alpha, out);
        }
        return new RgbImage(h, w, out);
    }

    /** Fast path: 8-bit pixel-interleaved bytes (what the JPEG and PNG readers usually produce). */
    private static boolean fromInterleavedBytes(Raster raster, ColorModel cm, Alpha alpha, byte[] out) {
        if (!(raster.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel sm)) return false;
        for (int b = 0; b < sm.getNumBands(); b++) if (sm.getSampleSize(b) != 8) return false;
        int colors = cm.getNumColorComponents();
        boolean hasAlpha = cm.hasAlpha();
        boolean premultiplied = cm.isAlphaPremultiplied();
        int[] off = sm.getBandOffsets();
        int stride = sm.getPixelStride();
        int scan = sm.getScanlineStride();
        int base = db.getOffset() - raster.getSampleModelTranslateY() * scan - raster.getSampleModelTranslateX() * stride;
        byte[] data = db.getData();
        int h = raster.getHeight();
        int w = raster.getWidth();
        int r0 = off[0];
        int g0 = colors == 3 ? off[1] : off[0];
        int b0 = colors == 3 ? off[2] : off[0];
        int a0 = hasAlpha ? off[colors] : -1;
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = base + y * scan;
            for (int x = 0; x < w; x++, p += stride) {
                if (a0 < 0) {
                    out[o++] = data[p + r0];
                    out[o++] = data[p + g0];
                    out[o++] = data[p + b0];
                } else {
                    int a = data[p + a0] & 0xFF;
                    out[o++] = (byte) withAlpha(data[p + r0] & 0xFF, a, alpha, premultiplied);
                    out[o++] = (byte) withAlpha(data[p + g0] & 0xFF, a, alpha, premultiplied);
                    out[o++] = (byte) withAlpha(data[p + b0] & 0xFF, a, alpha, premultiplied);
                }
            }
        }
        return true;
    }

    /** Any integer component model in RGB or gray (16-bit PNG, gray + alpha, banded rasters): row by row. */
    private static void fromComponents(Raster raster, ColorModel cm, Alpha alpha, byte[] out) {
        int h = raster.getHeight();
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int colors = cm.getNumColorComponents();
        boolean hasAlpha = cm.hasAlpha();
        boolean premultiplied = cm.isAlphaPremultiplied();
        int[] max = new int[bands];
        for (int b = 0; b < bands; b++) max[b] = (1 << cm.getComponentSize(b)) - 1;
        int[] row = new int[w * bands];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0, p = 0; x < w; x++, p += bands) {
                int a = hasAlpha ? to8(row[p + colors], max[colors]) : 255;
                for (int c = 0; c < 3; c++) {
                    int band = colors == 3 ? c : 0;
                    int v = to8(row[p + band], max[band]);
                    out[o++] = (byte) (hasAlpha ? withAlpha(v, a, alpha, premultiplied) : v);
                }
            }
        }
    }

    private static void fromPalette(Raster raster, IndexColorModel icm, Alpha alpha, byte[] out) {
        int[] lut = new int[icm.getMapSize()];
        icm.getRGBs(lut);
        int h = raster.getHeight();
        int w = raster.getWidth();
        int[] row = new int[w * raster.getNumBands()];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int idx = row[x * raster.getNumBands()];
                o = putArgb(idx < lut.length ? lut[idx] : 0xFF000000, alpha, out, o);
            }
        }
    }

    /** Anything else (packed-int RGB such as BMP, other colour spaces): the JDK's sRGB conversion, row by row. */
    private static void fromArgb(BufferedImage img, Alpha alpha, byte[] out) {
        int h = img.getHeight();
        int w = img.getWidth();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) o = putArgb(row[x], alpha, out, o);
        }
    }

    private static int putArgb(int argb, Alpha alpha, byte[] out, int o) {
        int a = argb >>> 24;
        out[o++] = (byte) withAlpha((argb >> 16) & 0xFF, a, alpha, false);
        out[o++] = (byte) withAlpha((argb >> 8) & 0xFF, a, alpha, false);
        out[o++] = (byte) withAlpha(argb & 0xFF, a, alpha, false);
        return o;
    }

    private static int to8(int v, int max) {
        return max == 255 ? v : (int) ((v * 255L + max / 2) / max);
    }

    /** Colour value {@code c} of a pixel with alpha {@code a} (both 0..255) under {@code mode}. */
    static int withAlpha(int c, int a, Alpha mode, boolean premultiplied) {
        if (a == 255) return c;
        if (mode == Alpha.BLACK) return premultiplied ? c : (c * a + 127) / 255;
        if (!premultiplied) return c;
        return a == 0 ? 0 : Math.min(255, (c * 255 + a / 2) / a);
    }
}
