package org.reidspark.data.augment;

import org.junit.jupiter.api.Test;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** PAUL's surrogate view (https://arxiv.org/abs/1904.01308): the surrogate, then the base transform, from one seed. */
class SurrogateViewTest {
    private static final InputConfig INPUT = new InputConfig(32, 16, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), "drop");
    private static final SurrogateConfig PAUL = new SurrogateConfig("all", 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1);

    private static RgbImage image() {
        byte[] rgb = new byte[40 * 20 * 3];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i / 60 * 7 + r.nextInt(40));
        return new RgbImage(40, 20, rgb);
    }

    @Test
    void isTheSurrogateThenTheBaseTransformAndAFunctionOfItsSeed() {
        Augmentation base = new Augmentation(INPUT, new AugmentConfig(0.5, 0, 0, 0.02, 0.4, 0.3, "mean"));
        SurrogateView view = new SurrogateView(PAUL, base);
        assertEquals(32, view.height());
        assertEquals(16, view.width());
        RgbImage img = image();
        float[] a = new float[view.size()];
        float[] b = new float[view.size()];
        view.apply(img, new SplittableRandom(9), a, 0);
        view.apply(img, new SplittableRandom(9), b, 0);
        assertArrayEquals(a, b, "the same seed, the same surrogate");
        SplittableRandom rnd = new SplittableRandom(9);
        float[] direct = base.apply(new Surrogate(PAUL).apply(img, rnd), rnd);
        assertArrayEquals(direct, a, "surrogate first, base transform after, one stream");
        view.apply(img, new SplittableRandom(10), b, 0);
        assertFalse(java.util.Arrays.equals(a, b), "another seed, another surrogate");
        float[] plain = base.apply(img, new SplittableRandom(9));
        assertFalse(java.util.Arrays.equals(a, plain), "the surrogate differs from the plain view");
    }
}
