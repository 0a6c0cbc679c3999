package org.reidspark.data.augment;

import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * PAUL's surrogate view from surrogates made ahead of training (the {@code augment} job, {@link SurrogateCopies}):
 * for each sample one of its stored copies, chosen by the view's own seeded generator, then the base transform
 * ({@link Augmentation}: resize, flip, ..., normalization) as {@link SurrogateView} does after making its surrogate.
 * The copies come from the batch loader's {@link ImageSource} ({@link ImageSource#copies}); a sample without any is an
 * error naming it (the surrogate set does not cover the training set).
 */
public final class StoredSurrogateView implements ImageTransform {
    private final Augmentation base;
    private final String set;

    /**
     * @param base the transform every view goes through after the copy is chosen
     * @param set  where the copies come from, for messages
     */
    public StoredSurrogateView(Augmentation base, String set) {
        this.base = base;
        this.set = set;
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    /** One of the sample's stored copies, uniformly by {@code rnd}. */
    @Override
    public RgbImage select(String uri, RgbImage own, ImageSource source, SplittableRandom rnd) {
        int n = source.copies(uri);
        if (n <= 0) {
            throw new IllegalStateException("no stored surrogate of " + uri + " in the surrogate set " + set
                    + " (reid.paul.surrogates): make it with the augment job from this training shard set");
        }
        return source.copy(uri, rnd.nextInt(n));
    }

    @Override
    public void apply(RgbImage img, SplittableRandom rnd, float[] dst, int offset) {
        base.apply(img, rnd, dst, offset);
    }
}
