package org.reidspark.data.augment;

import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * Zero padding by {@code pad} pixels on every side, then a random crop back to the original size
 * (torchvision's {@code Pad(10)} + {@code RandomCrop(size)}, as BoT uses it, https://arxiv.org/abs/1903.07071):
 * the image is shifted by up to {@code pad} pixels in each direction and the uncovered border is black.
 * The padded image is never built.
 */
public final class PadCrop {
    private PadCrop() {
    }

    /**
     * The {@code H x W} window at ({@code top}, {@code left}) of {@code img} zero-padded by {@code pad};
     * {@code top} and {@code left} lie in {@code [0, 2 * pad]}, and ({@code pad}, {@code pad}) is the image itself.
     */
    public static RgbImage crop(RgbImage img, int pad, int top, int left) {
        if (top < 0 || top > 2 * pad || left < 0 || left > 2 * pad) {
            throw new IllegalArgumentException("crop offset (" + top + ", " + left + ") outside [0, " + 2 * pad + "]");
        }
        int h = img.height();
        int w = img.width();
        int dy = top - pad;
        int dx = left - pad;
        if (dy == 0 && dx == 0) return img;
        byte[] in = img.rgb();
        byte[] out = new byte[in.length];
        int x0 = Math.max(0, -dx);
        int x1 = Math.min(w, w - dx);
        if (x1 > x0) {
            for (int y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
                System.arraycopy(in, ((y + dy) * w + x0 + dx) * 3, out, (y * w + x0) * 3, (x1 - x0) * 3);
            }
        }
        return new RgbImage(h, w, out);
    }

    /** A uniformly random window (top and left each uniform over {@code 0..2 * pad}). */
    public static RgbImage random(RgbImage img, int pad, SplittableRandom rnd) {
        if (pad == 0) return img;
        int top = rnd.nextInt(2 * pad + 1);
        int left = rnd.nextInt(2 * pad + 1);
        return crop(img, pad, top, left);
    }
}
