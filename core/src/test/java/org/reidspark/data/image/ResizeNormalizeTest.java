package org.reidspark.data.image;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.TestImages;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResizeNormalizeTest {
    /** A one-row gray image of the given levels. */
    private static RgbImage row(int... levels) {
        byte[] b = new byte[levels.length * 3];
        for (int i = 0; i < b.length; i++) b[i] = (byte) levels[i / 3];
        return new RgbImage(1, levels.length, b);
    }

    private static int[] levels(RgbImage img, int y) {
        int[] out = new int[img.width()];
        for (int x = 0; x < out.length; x++) {
            assertEquals(img.get(y, x, 0), img.get(y, x, 1));
            assertEquals(img.get(y, x, 0), img.get(y, x, 2));
            out[x] = img.get(y, x, 0);
        }
        return out;
    }

    @Test
    void upscalingInterpolatesBetweenPixelCentres() {
        // centres of 4 outputs over 2 inputs sit at -0.25, 0.25, 0.75, 1.25 input pixels (edges clamp)
        assertArrayEquals(new int[]{0, 25, 75, 100}, levels(Resize.bilinear(row(0, 100), 1, 4), 0));
        // 2 rows to 4: the same weights vertically
        RgbImage col = new RgbImage(2, 1, new byte[]{0, 0, 0, (byte) 200, (byte) 200, (byte) 200});
        RgbImage tall = Resize.bilinear(col, 4, 1);
        int[] got = new int[4];
        for (int y = 0; y < 4; y++) got[y] = tall.get(y, 0, 0);
        assertArrayEquals(new int[]{0, 50, 150, 200}, got);
    }

    @Test
    void downscalingAveragesWithAWidenedTriangle() {
        // halving: taps at distance 0.25 and 0.75 input pixels weigh 0.75 and 0.25, renormalized at the border:
        // (0 * .75 + 100 * .75 + 200 * .25) / 1.75 = 71.4 and (100 * .25 + 200 * .75 + 40 * .75) / 1.75 = 117.1
        assertArrayEquals(new int[]{71, 117}, levels(Resize.bilinear(row(0, 100, 200, 40), 1, 2), 0));
    }

    @Test
    void uniformImagesStayUniformAndSameSizeIsTheImageItself() {
        RgbImage u = TestImages.uniform(13, 7, 10, 120, 250);
        assertEquals(TestImages.uniform(5, 3, 10, 120, 250), Resize.bilinear(u, 5, 3));
        assertEquals(TestImages.uniform(31, 17, 10, 120, 250), Resize.bilinear(u, 31, 17));
        assertSame(u, Resize.bilinear(u, 13, 7));
    }

    @Test
    void normalizesPerChannelIntoChw() {
        Normalizer n = new Normalizer(new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225});
        RgbImage img = new RgbImage(1, 2, new byte[]{(byte) 255, 0, (byte) 128, 0, 51, (byte) 255});
        float[] chw = n.toChw(img);
        float[] expected = {
                (float) ((1 - 0.485) / 0.229), (float) ((0 - 0.485) / 0.229),              // R plane
                (float) ((0 - 0.456) / 0.224), (float) ((0.2 - 0.456) / 0.224),            // G plane
                (float) ((128 / 255.0 - 0.406) / 0.225), (float) ((1 - 0.406) / 0.225)};   // B plane
        assertArrayEquals(expected, chw, 1e-6f);
        assertEquals(2.2489083f, chw[0], 1e-6f); // (1 - 0.485) / 0.229 by hand
    }

    @Test
    void batchIsNchw() {
        Normalizer n = new Normalizer(new double[]{0, 0, 0}, new double[]{1, 1, 1});
        RgbImage a = TestImages.noise(3, 2, 1);
        RgbImage b = TestImages.noise(3, 2, 2);
        INDArray batch = n.batch(List.of(a, b));
        assertArrayEquals(new long[]{2, 3, 3, 2}, batch.shape());
        RgbImage[] imgs = {a, b};
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 2; x++) {
                        assertEquals(imgs[i].get(y, x, c) / 255.0, batch.getDouble(i, c, y, x), 1e-6);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> n.batch(List.of(a, TestImages.noise(2, 3, 3))));
    }

    @Test
    void aBatchOfTheSameShapeIsWrittenIntoTheArrayGivenAndAnotherShapeIntoANewOne() {
        Normalizer n = new Normalizer(new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225});
        List<RgbImage> first = List.of(TestImages.noise(4, 3, 1), TestImages.noise(4, 3, 2));
        List<RgbImage> second = List.of(TestImages.noise(4, 3, 3), TestImages.noise(4, 3, 4));
        INDArray held = n.batch(first);
        INDArray again = n.batch(second, held);
        assertSame(held, again);
        assertEquals(n.batch(second), again); // the second batch's values, none of the first's left
        INDArray fewer = n.batch(second.subList(0, 1), held);
        assertTrue(fewer != held);
        assertArrayEquals(new long[]{1, 3, 4, 3}, fewer.shape());
        assertEquals(n.batch(second).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)), fewer);
        INDArray view = n.batch(List.of(first.get(0), first.get(1), second.get(0), second.get(1)))
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4)); // a contiguous view with an offset
        assertSame(view, n.batch(first, view));
        assertEquals(n.batch(first), view);
        for (int i = 0; i < 2; i++) {
            float[] chw = n.toChw(first.get(i));
            for (int v = 0; v < chw.length; v++) assertEquals(chw[v], view.getFloat(i * chw.length + v), 0f);
        }
    }

    @Test
    void inputConfigDefaultsAndBadValues() {
        Config c = ConfigLoader.load(List.of());
        InputConfig input = InputConfig.from(c);
        assertEquals(256, input.height());
        assertEquals(128, input.width());
        assertEquals(List.of(0.485, 0.456, 0.406), input.mean());
        ConfigError e = assertThrows(ConfigError.class,
                () -> InputConfig.from(ConfigLoader.load(List.of("reid.input.std=[0.2, 0, 0.2]"))));
        assertTrue(e.getMessage().contains("reid.input.std"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> InputConfig.from(ConfigLoader.load(List.of("reid.input.mean=[0.5, 0.5]"))));
        assertTrue(e.getMessage().contains("reid.input.mean"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> InputConfig.from(ConfigLoader.load(List.of("reid.input.alpha=white"))));
        assertTrue(e.getMessage().contains("reid.input.alpha") && e.getMessage().contains("black"), e.getMessage());
    }

    @Test
    void toRgbInvertsTheNormalizationAndClampsWhatIsOutOfRange() {
        Normalizer n = new Normalizer(new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
        byte[] rgb = new byte[2 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 14);
        RgbImage img = new RgbImage(2, 3, rgb);
        float[] chw = new float[1 + 18];
        n.toChw(img, chw, 1);
        assertEquals(img, n.toRgb(chw, 1, 2, 3), "8-bit levels come back exactly");
        chw[1] = 100f;      // red of the first pixel far above 1
        chw[1 + 6] = -100f; // green of the first pixel far below 0
        RgbImage clamped = n.toRgb(chw, 1, 2, 3);
        assertEquals(255, clamped.get(0, 0, 0));
        assertEquals(0, clamped.get(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> n.toRgb(chw, 2, 2, 3), "beyond the array's end");
    }
}
