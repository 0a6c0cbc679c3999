package org.reidspark.data.image;

import org.apache.hadoop.fs.Path;
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
import java.io.InputStream;
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
 * Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
    private final Alpha alpha;

    public ImageDecoder(Alpha alpha) {
        this.alpha = alpha;
    }

    public Alpha alpha() {
        return alpha;
    }

    /** Reads the file at {@code uri} (local path, file:, s3a://, hdfs://) through {@code storage} and decodes it. */
    public RgbImage read(Storage storage, String uri) {
        return decode(readBytes(storage, uri), uri);
    }

    /** The raw bytes of the file at {@code uri}; a missing or unreadable file is an {@link ImageDecodeException}. */
    public static byte[] readBytes(Storage storage, String uri) {
        try {
            Path p = Storage.path(uri);
            try (InputStream in = storage.fs(p).open(p)) {
                return in.readAllBytes();
            }
        } catch (FileNotFoundException e) {
            throw new ImageDecodeException(uri, "file not found", e);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(uri, "cannot read the file: " + e, e);
        }
    }

    /** Decodes encoded image {@code bytes}; {@code uri} only names the image in errors. */
    public RgbImage decode(byte[] bytes, String uri) {
        BufferedImage img;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(uri, "not an image in a known format (" + bytes.length + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (warning == null || !warning.contains("extraneous bytes")) warnings.add(String.valueOf(warning));
                });
                img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageDecodeException(uri, "corrupt or truncated image: " + String.join("; ", warnings));
                }
            } finally {
                reader.dispose();
            }
        } catch (IIOException e) {
            throw new ImageDecodeException(uri, "corrupt, truncated or unsupported image: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageDecodeException d) throw d;
            throw new ImageDecodeException(uri, "cannot decode: " + e, e);
        }
        if (img == null) throw new ImageDecodeException(uri, "the decoder returned no image");
        if (img.getWidth() <= 0 || img.getHeight() <= 0) throw new ImageDecodeException(uri, "empty image");
        return toRgb(img, alpha);
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
