package org.reidspark.data.augment;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.TestImages;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentTest {
    private static final InputConfig INPUT = new InputConfig(32, 16, List.of(0.485, 0.456, 0.406),
            List.of(0.229, 0.224, 0.225), "drop");

    @Test
    void flipMirrorsAndIsAnInvolution() {
        RgbImage img = TestImages.noise(5, 7, 1);
        RgbImage f = Flip.horizontal(img);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                for (int c = 0; c < 3; c++) assertEquals(img.get(y, x, c), f.get(y, 6 - x, c));
            }
        }
        assertNotEquals(img, f);
        assertEquals(img, Flip.horizontal(f));
    }

    @Test
    void flipRespectsItsProbability() {
        RgbImage img = TestImages.noise(4, 4, 2);
        SplittableRandom rnd = new SplittableRandom(3);
        int flipped = 0;
        int n = 4000;
        for (int i = 0; i < n; i++) if (Flip.random(img, 0.3, rnd) != img) flipped++;
        assertEquals(0.3, flipped / (double) n, 5 * Math.sqrt(0.3 * 0.7 / n));
        for (int i = 0; i < 100; i++) assertSame(img, Flip.random(img, 0, rnd));
    }

    @Test
    void padCropKeepsSizeAndShiftsWithBlackBorders() {
        RgbImage img = TestImages.noise(6, 5, 4);
        int pad = 2;
        assertEquals(img, PadCrop.crop(img, pad, pad, pad));
        for (int top = 0; top <= 2 * pad; top++) {
            for (int left = 0; left <= 2 * pad; left++) {
                RgbImage out = PadCrop.crop(img, pad, top, left);
                assertEquals(6, out.height());
                assertEquals(5, out.width());
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 5; x++) {
                        int sy = y + top - pad;
                        int sx = x + left - pad;
                        boolean inside = sy >= 0 && sy < 6 && sx >= 0 && sx < 5;
                        for (int c = 0; c < 3; c++) assertEquals(inside ? img.get(sy, sx, c) : 0, out.get(y, x, c));
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PadCrop.crop(img, pad, 2 * pad + 1, 0));
    }

    @Test
    void randomPadCropDrawsEveryOffset() {
        RgbImage img = TestImages.noise(6, 5, 5);
        SplittableRandom rnd = new SplittableRandom(6);
        Set<RgbImage> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            RgbImage out = PadCrop.random(img, 1, rnd);
            assertEquals(6, out.height());
            assertEquals(5, out.width());
            seen.add(out);
        }
        assertEquals(9, seen.size(), "3 x 3 offsets for pad 1");
    }

    /** Counts the values equal to zero in a [3, h, w] image (the normalized mean pixel). */
    private static int zeros(float[] chw) {
        int n = 0;
        for (float v : chw) if (v == 0f) n++;
        return n;
    }

    @Test
    void erasingErasesARectangleOfTheConfiguredAreaWithTheMean() {
        int h = 64;
        int w = 32;
        Normalizer norm = Normalizer.of(INPUT);
        float[] clean = norm.toChw(TestImages.noise(h, w, 7));
        assertEquals(0, zeros(clean), "no 8-bit level normalizes to exactly 0 under ImageNet's mean");
        RandomErasing erasing = new RandomErasing(1.0, 0.02, 0.4, 0.3, RandomErasing.Fill.MEAN);
        SplittableRandom rnd = new SplittableRandom(8);
        double area = h * w;
        // rounding each side to an integer moves the area by at most half a pixel per side
        double slack = (0.5 * (h + w) + 0.25) / area;
        double min = 1;
        double max = 0;
        for (int i = 0; i < 500; i++) {
            float[] img = clean.clone();
            RandomErasing.Rect r = erasing.apply(img, 0, h, w, rnd);
            assertNotNull(r);
            assertTrue(r.top() >= 0 && r.left() >= 0 && r.top() + r.height() <= h && r.left() + r.width() <= w);
            assertEquals(3 * r.area(), zeros(img), "exactly the rectangle is erased, in every channel");
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean in = y >= r.top() && y < r.top() + r.height() && x >= r.left() && x < r.left() + r.width();
                        int k = c * h * w + y * w + x;
                        assertEquals(in ? 0f : clean[k], img[k]);
                    }
                }
            }
            double fraction = r.area() / area;
            min = Math.min(min, fraction);
            max = Math.max(max, fraction);
            double aspect = r.height() / (double) r.width();
            assertTrue(aspect > 0.3 / 1.5 && aspect < 1.5 / 0.3, "aspect " + aspect);
        }
        assertTrue(min >= 0.02 - slack && max <= 0.4 + slack, "erased fractions in [" + min + ", " + max + "]");
        assertTrue(min < 0.06 && max > 0.3, "the draws spread over the range: [" + min + ", " + max + "]");
    }

    @Test
    void erasingRespectsItsProbabilityAndRandomFill() {
        RandomErasing erasing = new RandomErasing(0.5, 0.02, 0.4, 0.3, RandomErasing.Fill.RANDOM);
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 4000;
        int erased = 0;
        float[] img = new float[3 * 16 * 8];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(img, 7f);
            RandomErasing.Rect r = erasing.apply(img, 0, 16, 8, rnd);
            int changed = 0;
            for (float v : img) if (v != 7f) changed++;
            if (r == null) {
                assertEquals(0, changed);
            } else {
                erased++;
                assertEquals(3 * r.area(), changed, "random fill writes fresh values everywhere in the rectangle");
            }
        }
        assertEquals(0.5, erased / (double) n, 5 * Math.sqrt(0.25 / n));
        assertNull(new RandomErasing(0, 0.02, 0.4, 0.3, RandomErasing.Fill.MEAN).apply(img, 0, 16, 8, rnd));
    }

    @Test
    void rotationByZeroIsIdentityAndByNinetyMovesCorners() {
        RgbImage img = TestImages.noise(4, 4, 10);
        assertEquals(img, Surrogate.rotate(img, 0));
        RgbImage r = Surrogate.rotate(img, 90);
        // counter-clockwise: the top-right pixel goes to the top left, the top-left one to the bottom left
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(0, 3, c), r.get(0, 0, c));
            assertEquals(img.get(0, 0, c), r.get(3, 0, c));
            assertEquals(img.get(3, 3, c), r.get(0, 3, c));
        }
        RgbImage small = Surrogate.rotate(TestImages.uniform(32, 16, 200, 200, 200), 10);
        for (int c = 0; c < 3; c++) {
            assertEquals(0, small.get(0, 0, c), "corner uncovered by a 10 degree turn is black");
            assertEquals(200, small.get(16, 8, c), "centre keeps its value");
        }
    }

    @Test
    void colorJitterKeepsGrayGrayAndUniformContrastUniform() {
        SplittableRandom rnd = new SplittableRandom(11);
        RgbImage gray = TestImages.noise(8, 4, 12);
        byte[] g = gray.rgb().clone();
        for (int i = 0; i < g.length; i += 3) {
            g[i + 1] = g[i];
            g[i + 2] = g[i];
        }
        RgbImage grayImg = new RgbImage(8, 4, g);
        for (int i = 0; i < 20; i++) {
            // saturation and hue cannot colour a gray image
            RgbImage out = Surrogate.colorJitter(grayImg, 0, 0, 0.5, 0.5, rnd);
            assertEquals(grayImg, out);
            // contrast blends with the mean: a uniform image does not change
            RgbImage u = TestImages.uniform(4, 4, 90, 90, 90);
            assertEquals(u, Surrogate.colorJitter(u, 0, 0.5, 0, 0, rnd));
            // brightness scales: black stays black
            RgbImage black = RgbImage.black(3, 3);
            assertEquals(black, Surrogate.colorJitter(black, 0.5, 0, 0, 0, rnd));
        }
        RgbImage img = TestImages.noise(8, 4, 13);
        assertEquals(img, Surrogate.colorJitter(img, 0, 0, 0, 0, rnd), "no jitter, no change");
        RgbImage hued = Surrogate.colorJitter(img, 0, 0, 0, 0.3, rnd);
        assertNotEquals(img, hued);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 4; x++) {
                int maxIn = Math.max(img.get(y, x, 0), Math.max(img.get(y, x, 1), img.get(y, x, 2)));
                int maxOut = Math.max(hued.get(y, x, 0), Math.max(hued.get(y, x, 1), hued.get(y, x, 2)));
                assertTrue(Math.abs(maxIn - maxOut) <= 1, "a hue shift keeps the HSV value");
            }
        }
    }

    @Test
    void cropOfTheWholeAreaIsIdentityAndOthersKeepShape() {
        RgbImage img = TestImages.noise(32, 16, 14);
        SplittableRandom rnd = new SplittableRandom(15);
        assertEquals(img, Surrogate.crop(img, 1.0, 1.0, rnd));
        for (int i = 0; i < 20; i++) {
            RgbImage out = Surrogate.crop(img, 0.7, 0.95, rnd);
            assertEquals(32, out.height());
            assertEquals(16, out.width());
            assertNotEquals(img, out);
        }
        // the cut itself
        RgbImage cut = Surrogate.cut(img, 3, 2, 5, 4);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 4; x++) assertEquals(img.get(3 + y, 2 + x, 1), cut.get(y, x, 1));
        assertEquals(cut, Resize.bilinear(cut, 5, 4));
    }

    @Test
    void surrogatesKeepShapeChangePixelsAndFollowTheirSeed() {
        RgbImage img = TestImages.noise(32, 16, 16);
        for (String mode : List.of("all", "one")) {
            Surrogate s = new Surrogate(new SurrogateConfig(mode, 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1));
            Set<RgbImage> distinct = new HashSet<>();
            for (int seed = 0; seed < 12; seed++) {
                RgbImage out = s.apply(img, new SplittableRandom(seed));
                assertEquals(32, out.height());
                assertEquals(16, out.width());
                assertNotEquals(img, out, mode + " surrogate for seed " + seed);
                assertEquals(out, s.apply(img, new SplittableRandom(seed)), "same seed, same surrogate");
                distinct.add(out);
            }
            assertEquals(12, distinct.size(), mode + ": different seeds give different surrogates");
        }
    }

    @Test
    void augmentationIsDeterministicPerSeedAndNoneIsResizeAndNormalize() {
        AugmentConfig bot = new AugmentConfig(0.5, 4, 0.5, 0.02, 0.4, 0.3, "mean");
        Augmentation aug = new Augmentation(INPUT, bot);
        RgbImage img = TestImages.noise(40, 20, 17); // not the input size: resized first
        float[] a = aug.apply(img, new SplittableRandom(1));
        assertEquals(3 * 32 * 16, a.length);
        assertArrayEquals(a, aug.apply(img, new SplittableRandom(1)));
        Set<Integer> distinct = new HashSet<>();
        for (int seed = 0; seed < 20; seed++) distinct.add(java.util.Arrays.hashCode(aug.apply(img, new SplittableRandom(seed))));
        assertTrue(distinct.size() > 10, "seeds give different augmentations: " + distinct.size());
        float[] plain = Augmentation.none(INPUT).apply(img, new SplittableRandom(1));
        assertArrayEquals(Normalizer.of(INPUT).toChw(Resize.bilinear(img, 32, 16)), plain);
        assertFalse(java.util.Arrays.equals(plain, Augmentation.none(INPUT).apply(TestImages.noise(40, 20, 18),
                new SplittableRandom(1))));
    }

    @Test
    void configDefaultsAreBotsAndPaulsAndBadValuesNameTheKey() {
        var c = ConfigLoader.load(List.of());
        assertEquals(new AugmentConfig(0.5, 10, 0.5, 0.02, 0.4, 0.3, "mean"), AugmentConfig.from(c));
        assertEquals(new SurrogateConfig("all", 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1), SurrogateConfig.from(c));
        ConfigError e = assertThrows(ConfigError.class,
                () -> AugmentConfig.from(ConfigLoader.load(List.of("reid.augment.erasing-fill=noise"))));
        assertTrue(e.getMessage().contains("reid.augment.erasing-fill") && e.getMessage().contains("random"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> AugmentConfig.from(ConfigLoader.load(List.of(
                "reid.augment.erasing-min-area=0.5", "reid.augment.erasing-max-area=0.3"))));
        assertTrue(e.getMessage().contains("erasing-min-area"), e.getMessage());
        e = assertThrows(ConfigError.class,
                () -> SurrogateConfig.from(ConfigLoader.load(List.of("reid.augment.surrogate.mode=some"))));
        assertTrue(e.getMessage().contains("reid.augment.surrogate.mode"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> AugmentConfig.from(ConfigLoader.load(List.of("reid.augment.flip=1.5"))));
        assertTrue(e.getMessage().contains("reid.augment.flip"), e.getMessage());
    }
}
