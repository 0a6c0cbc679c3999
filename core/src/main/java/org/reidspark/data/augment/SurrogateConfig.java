package org.reidspark.data.augment;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

/**
 * {@code reid.augment.surrogate}: PAUL's surrogate positives ({@link Surrogate}, https://arxiv.org/abs/1904.01308).
 *
 * @param mode        {@code all}: colour jitter, rotation and crop in sequence (PAUL's code); {@code one}: one of them
 * @param cropMinArea smallest crop, as a fraction of the image area
 * @param cropMaxArea largest crop, as a fraction of the image area
 * @param rotation    largest rotation in degrees (the angle is uniform in {@code [-rotation, rotation]})
 * @param brightness  brightness factor drawn from {@code [1 - x, 1 + x]}; 0 = off
 * @param contrast    contrast factor drawn from {@code [1 - x, 1 + x]}; 0 = off
 * @param saturation  saturation factor drawn from {@code [1 - x, 1 + x]}; 0 = off
 * @param hue         hue shift drawn from {@code [-x, x]} (fraction of the colour circle, at most 0.5); 0 = off
 */
public record SurrogateConfig(String mode, double cropMinArea, double cropMaxArea, double rotation,
                              double brightness, double contrast, double saturation, double hue) implements java.io.Serializable {
    private static final String P = "reid.augment.surrogate.";

    public SurrogateConfig {
        Check.oneOf(P + "mode", mode, Surrogate.Mode.NAMES.toArray(String[]::new));
        Check.inRange(P + "crop-min-area", cropMinArea, 1e-3, 1);
        Check.inRange(P + "crop-max-area", cropMaxArea, 1e-3, 1);
        if (cropMinArea > cropMaxArea) {
            throw new ConfigError("config keys '" + P + "crop-min-area' (" + cropMinArea + ") and '" + P
                    + "crop-max-area' (" + cropMaxArea + "): the minimum exceeds the maximum");
        }
        Check.inRange(P + "rotation", rotation, 0, 180);
        Check.inRange(P + "brightness", brightness, 0, 1);
        Check.inRange(P + "contrast", contrast, 0, 1);
        Check.inRange(P + "saturation", saturation, 0, 1);
        Check.inRange(P + "hue", hue, 0, 0.5);
    }

    public static SurrogateConfig from(Config c) {
        Config s = c.getConfig("reid.augment.surrogate");
        return new SurrogateConfig(s.getString("mode"), s.getDouble("crop-min-area"), s.getDouble("crop-max-area"),
                s.getDouble("rotation"), s.getDouble("brightness"), s.getDouble("contrast"), s.getDouble("saturation"),
                s.getDouble("hue"));
    }
}
