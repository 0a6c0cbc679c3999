package org.reidspark.data.augment;

import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/** Horizontal (left-right) flip, the first of BoT's augmentations (https://arxiv.org/abs/1903.07071). */
public final class Flip {
    private Flip() {
    }

    /** {@code img} mirrored left to right (a new image). */
    public static RgbImage horizontal(RgbImage img) {
        int h = img.height();
        int w = img.width();
        byte[] in = img.rgb();
        byte[] out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                int s = row + x * 3;
                int d = row + (w - 1 - x) * 3;
                out[d] = in[s];
                out[d + 1] = in[s + 1];
                out[d + 2] = in[s + 2];
            }
        }
        return new RgbImage(h, w, out);
    }

    /** Flipped with probability {@code p} (one draw from {@code rnd}, as torchvision's {@code rand(1) < p}). */
    public static RgbImage random(RgbImage img, double p, SplittableRandom rnd) {
        return rnd.nextDouble() < p ? horizontal(img) : img;
    }
}
