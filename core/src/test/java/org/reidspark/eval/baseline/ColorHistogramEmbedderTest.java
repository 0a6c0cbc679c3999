package org.reidspark.eval.baseline;

import org.junit.jupiter.api.Test;
import org.reidspark.data.image.RgbImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColorHistogramEmbedderTest {
    private static final int STRIPE_BINS = ColorHistogramEmbedder.dimension() / ColorHistogramEmbedder.STRIPES;

    /** An image whose top half is {@code top} and bottom half {@code bottom} (RGB). */
    private static RgbImage twoTone(int h, int w, int[] top, int[] bottom) {
        byte[] px = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            int[] c = y < h / 2 ? top : bottom;
            for (int x = 0; x < w; x++) for (int k = 0; k < 3; k++) px[(y * w + x) * 3 + k] = (byte) c[k];
        }
        return new RgbImage(h, w, px);
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d += a[i] * b[i];
        return d;
    }

    @Test
    void embeddingHasUnitNormAndOneHistogramPerStripe() {
        float[] v = new ColorHistogramEmbedder().embed(twoTone(128, 64, new int[]{200, 30, 30}, new int[]{30, 40, 160}));
        assertEquals(ColorHistogramEmbedder.dimension(), v.length);
        assertEquals(1.0, dot(v, v), 1e-6);
        // a uniform stripe puts all its mass in one bin
        for (int s = 0; s < ColorHistogramEmbedder.STRIPES; s++) {
            int nonZero = 0;
            for (int b = 0; b < STRIPE_BINS; b++) if (v[s * STRIPE_BINS + b] != 0) nonZero++;
            assertEquals(1, nonZero, "stripe " + s);
        }
    }

    @Test
    void greysIgnoreHueAndColoursDoNot() {
        assertEquals(ColorHistogramEmbedder.bin(120, 120, 126), ColorHistogramEmbedder.bin(126, 120, 120));
        assertNotEquals(ColorHistogramEmbedder.bin(200, 40, 40), ColorHistogramEmbedder.bin(40, 40, 200));
        assertNotEquals(ColorHistogramEmbedder.bin(30, 30, 30), ColorHistogramEmbedder.bin(230, 230, 230));
    }

    @Test
    void sameColoursInOtherStripesDoNotMatch() {
        ColorHistogramEmbedder e = new ColorHistogramEmbedder();
        float[] redOverBlue = e.embed(twoTone(128, 64, new int[]{200, 30, 30}, new int[]{30, 40, 160}));
        float[] blueOverRed = e.embed(twoTone(128, 64, new int[]{30, 40, 160}, new int[]{200, 30, 30}));
        float[] greenSmall = e.embed(twoTone(64, 32, new int[]{40, 160, 60}, new int[]{40, 160, 60}));
        float[] greenLarge = e.embed(twoTone(256, 128, new int[]{40, 160, 60}, new int[]{40, 160, 60}));
        assertEquals(1.0, dot(greenSmall, greenLarge), 1e-6, "any size is resized to the same stripes");
        assertTrue(dot(redOverBlue, greenLarge) < 0.01, "other colours should not match");
        assertTrue(dot(redOverBlue, blueOverRed) < 0.01, "swapped stripes should not match");
    }
}
