package org.reidspark.data.augment;

import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.RgbImage;

import java.util.SplittableRandom;

/**
 * One decoded image to one network input {@code [3, H, W]} (normalized CHW floats written into a batch array): a
 * "view" of a training sample. BoT's training transform is {@link Augmentation}; a method may ask for more views per
 * sample (PAUL: the anchor and its augmented surrogate). Every random draw comes from the generator given per image,
 * so a result is a function of its seed alone. Implementations are stateless and thread-safe.
 */
public interface ImageTransform {
    /** Output height in pixels. */
    int height();

    /** Output width in pixels. */
    int width();

    /** Floats per output image: {@code 3 * H * W}. */
    default int size() {
        return 3 * height() * width();
    }

    /**
     * The image this view transforms for the sample at {@code uri}, whose own image is {@code own}: {@code own} for every
     * view but one of stored copies ({@link StoredSurrogateView}), which picks one of the sample's copies in
     * {@code source} with draws from {@code rnd} (the generator {@link #apply} then goes on with).
     */
    default RgbImage select(String uri, RgbImage own, ImageSource source, SplittableRandom rnd) {
        return own;
    }

    /** Transforms {@code img} and writes its {@code [3, H, W]} floats into {@code dst} from {@code offset}. */
    void apply(RgbImage img, SplittableRandom rnd, float[] dst, int offset);
}
