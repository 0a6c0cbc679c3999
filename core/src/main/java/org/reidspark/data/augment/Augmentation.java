package org.reidspark.data.augment;

import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * One image to the network's input, as BoT's training transform does it (https://arxiv.org/abs/1903.07071):
 * resize to {@code H x W} (when not already that size) -> horizontal flip with probability {@code flip} ->
 * zero-pad by {@code pad} and crop back to {@code H x W} at a random offset -> normalize to CHW floats ->
 * random erasing (https://arxiv.org/abs/1708.04896). Output: {@code [3, H, W]} floats written into a batch
 * array. Every random draw comes from the {@link SplittableRandom} given per image, in a fixed order, so an
 * image's result is a function of its seed alone. Stateless and thread-safe.
 */
public final class Augmentation implements ImageTransform {
    private final int height;
    private final int width;
    private final double flip;
    private final int pad;
    private final RandomErasing erasing;
    private final Normalizer normalizer;

    public Augmentation(InputConfig input, AugmentConfig augment) {
        this.height = input.height();
        this.width = input.width();
        this.flip = augment.flip();
        this.pad = augment.pad();
        this.erasing = augment.erasingP() > 0
                ? new RandomErasing(augment.erasingP(), augment.erasingMinArea(), augment.erasingMaxArea(),
                augment.erasingMinAspect(), RandomErasing.Fill.byName(augment.erasingFill()))
                : null;
        this.normalizer = Normalizer.of(input);
    }

    /** Resize and normalize only: the evaluation-time transform. */
    public static Augmentation none(InputConfig input) {
        return new Augmentation(input, AugmentConfig.none());
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    public Normalizer normalizer() {
        return normalizer;
    }

    /** The augmented 8-bit image before normalization and erasing (resize, flip, pad-crop). */
    public RgbImage geometric(RgbImage img, SplittableRandom rnd) {
        RgbImage out = Resize.bilinear(img, height, width);
        if (flip > 0) out = Flip.random(out, flip, rnd);
        if (pad > 0) out = PadCrop.random(out, pad, rnd);
        return out;
    }

    /** Augments {@code img} and writes its {@code [3, H, W]} floats into {@code dst} from {@code offset}. */
    @Override
    public void apply(RgbImage img, SplittableRandom rnd, float[] dst, int offset) {
        normalizer.toChw(geometric(img, rnd), dst, offset);
        if (erasing != null) erasing.apply(dst, offset, height, width, rnd);
    }

    /** Augments {@code img} into a new CHW array. */
    public float[] apply(RgbImage img, SplittableRandom rnd) {
        float[] out = new float[size()];
        apply(img, rnd, out, 0);
        return out;
    }
}
