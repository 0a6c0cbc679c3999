package org.reidspark.data;

import org.reidspark.data.image.RgbImage;

import java.util.Random;

/** Images for tests: random noise and simple patterns, built from a seed. */
public final class TestImages {
    private TestImages() {
    }

    /** Uniform random bytes. */
    public static RgbImage noise(int h, int w, long seed) {
        byte[] b = new byte[h * w * 3];
        new Random(seed).nextBytes(b);
        return new RgbImage(h, w, b);
    }

    /** Every pixel the same colour. */
    public static RgbImage uniform(int h, int w, int r, int g, int b) {
        byte[] out = new byte[h * w * 3];
        for (int i = 0; i < out.length; i += 3) {
            out[i] = (byte) r;
            out[i + 1] = (byte) g;
            out[i + 2] = (byte) b;
        }
        return new RgbImage(h, w, out);
    }
}
