package org.reidspark.data.augment;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

/**
 * {@code reid.augment}: the training-time augmentation of BoT (https://arxiv.org/abs/1903.07071): flip,
 * pad + random crop, random erasing (https://arxiv.org/abs/1708.04896). PAUL's surrogates have their own record,
 * {@link SurrogateConfig}.
 *
 * @param flip             probability of a horizontal flip
 * @param pad              zero padding on each side before the random crop back to the input size; 0 = no crop
 * @param erasingP         probability of random erasing; 0 = off
 * @param erasingMinArea   smallest erased area, as a fraction of the image
 * @param erasingMaxArea   largest erased area, as a fraction of the image
 * @param erasingMinAspect smallest erased aspect ratio r (height / width drawn from {@code [r, 1 / r]})
 * @param erasingFill      {@code mean} (the mean pixel, 0 once normalized) or {@code random} (standard normal values)
 */
public record AugmentConfig(double flip, int pad, double erasingP, double erasingMinArea, double erasingMaxArea,
                            double erasingMinAspect, String erasingFill) implements java.io.Serializable {
    private static final String P = "reid.augment.";

    public AugmentConfig {
        Check.inRange(P + "flip", flip, 0, 1);
        Check.inRange(P + "pad", pad, 0, 10_000);
        Check.inRange(P + "erasing-p", erasingP, 0, 1);
        if (!(erasingMinArea > 0 && erasingMinArea < 1)) {
            throw ConfigError.badValue(P + "erasing-min-area", erasingMinArea, "a fraction in (0, 1)");
        }
        if (!(erasingMaxArea > 0 && erasingMaxArea < 1)) {
            throw ConfigError.badValue(P + "erasing-max-area", erasingMaxArea, "a fraction in (0, 1)");
        }
        if (erasingMinArea > erasingMaxArea) {
            throw new ConfigError("config keys '" + P + "erasing-min-area' (" + erasingMinArea + ") and '" + P
                    + "erasing-max-area' (" + erasingMaxArea + "): the minimum exceeds the maximum");
        }
        if (!(erasingMinAspect > 0 && erasingMinAspect <= 1)) {
            throw ConfigError.badValue(P + "erasing-min-aspect", erasingMinAspect, "a number in (0, 1]");
        }
        Check.oneOf(P + "erasing-fill", erasingFill, RandomErasing.Fill.NAMES.toArray(String[]::new));
    }

    public static AugmentConfig from(Config c) {
        Config a = c.getConfig("reid.augment");
        return new AugmentConfig(a.getDouble("flip"), a.getInt("pad"), a.getDouble("erasing-p"),
                a.getDouble("erasing-min-area"), a.getDouble("erasing-max-area"), a.getDouble("erasing-min-aspect"),
                a.getString("erasing-fill"));
    }

    /** No augmentation at all (evaluation, embedding). */
    public static AugmentConfig none() {
        return new AugmentConfig(0, 0, 0, 0.02, 0.4, 0.3, "mean");
    }
}
