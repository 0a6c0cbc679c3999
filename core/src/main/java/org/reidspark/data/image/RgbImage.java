package org.reidspark.data.image;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A decoded 8-bit RGB image, compact: one {@code byte[]} of {@code height * width * 3} values in HWC order
 * (row by row, pixel by pixel, R, G, B), read as unsigned. This is what the shard job stores once resized, so
 * training never decodes again; {@link #toBytes()} / {@link #fromBytes(byte[])} give it a binary form.
 * The array is not copied: treat an image as immutable once built.
 */
public final class RgbImage {
    private static final int MAGIC = 0x52474233; // "RGB3"
    private static final int HEADER = 12;

    private final int height;
    private final int width;
    private final byte[] rgb;

    public RgbImage(int height, int width, byte[] rgb) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("image size must be positive: " + height + "x" + width);
        if (rgb.length != (long) height * width * 3) {
            throw new IllegalArgumentException("rgb array of " + rgb.length + " bytes for a " + height + "x" + width
                    + " image (expected " + (long) height * width * 3 + ")");
        }
        this.height = height;
        this.width = width;
        this.rgb = rgb;
    }

    /** A black image. */
    public static RgbImage black(int height, int width) {
        return new RgbImage(height, width, new byte[height * width * 3]);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The HWC RGB bytes themselves (not a copy). */
    public byte[] rgb() {
        return rgb;
    }

    /** Channel {@code c} (0 R, 1 G, 2 B) at row {@code y}, column {@code x}, as 0..255. */
    public int get(int y, int x, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** This image as a {@link java.awt.image.BufferedImage} ({@code TYPE_INT_RGB}), for drawing and writing PNGs. */
    public java.awt.image.BufferedImage toBufferedImage() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                img.setRGB(x, y, ((rgb[i] & 0xFF) << 16) | ((rgb[i + 1] & 0xFF) << 8) | (rgb[i + 2] & 0xFF));
            }
        }
        return img;
    }

    /** A 12-byte header (magic, height, width) then the RGB bytes. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + rgb.length);
        b.putInt(MAGIC).putInt(height).putInt(width).put(rgb);
        return b.array();
    }

    /** Inverse of {@link #toBytes()}; fails on anything else. */
    public static RgbImage fromBytes(byte[] bytes) {
        if (bytes.length < HEADER) throw new IllegalArgumentException("not an RgbImage: " + bytes.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt() != MAGIC) throw new IllegalArgumentException("not an RgbImage: bad magic");
        int h = b.getInt();
        int w = b.getInt();
        if (h <= 0 || w <= 0 || (long) h * w * 3 != bytes.length - HEADER) {
            throw new IllegalArgumentException("not an RgbImage: " + h + "x" + w + " with " + (bytes.length - HEADER) + " data bytes");
        }
        return new RgbImage(h, w, Arrays.copyOfRange(bytes, HEADER, bytes.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.height == height && r.width == width && Arrays.equals(r.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + height + "x" + width + "]";
    }
}
