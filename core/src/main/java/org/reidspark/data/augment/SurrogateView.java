package org.reidspark.data.augment;

import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * The surrogate view of a training image, PAUL's positive for IPFL (Yang et al., CVPR 2019,
 * https://arxiv.org/abs/1904.01308): the image through a {@link Surrogate} (colour jitter, rotation, crop, on the
 * decoded image at its own size), then through the view's base transform ({@link Augmentation}: resize, flip, ...,
 * normalization), as the official dataset does it ({@code QizeYang/PAUL}, {@code src/dataset/market1501.py},
 * {@code __getitem__} with {@code pseudo_pair}: {@code self.transform(generator(img))}). Output {@code [3, H, W]}
 * floats. Every draw comes from the generator given per image (the surrogate's first, then the base transform's), so
 * the surrogate is a function of its seed alone; the batch loader seeds each view separately, so the original view
 * and its surrogate get independent flips as in the official code.
 */
public final class SurrogateView implements ImageTransform {
    private final Surrogate surrogate;
    private final Augmentation base;

    /**
     * @param surrogate how the surrogate is made
     * @param base      the transform every view goes through afterwards
     */
    public SurrogateView(SurrogateConfig surrogate, Augmentation base) {
        this.surrogate = new Surrogate(surrogate);
        this.base = base;
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public void apply(RgbImage img, SplittableRandom rnd, float[] dst, int offset) {
        base.apply(surrogate.apply(img, rnd), rnd, dst, offset);
    }
}
