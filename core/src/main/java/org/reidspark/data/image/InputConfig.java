package org.reidspark.data.image;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

import java.util.List;

/**
 * {@code reid.input}: the network's input images.
 *
 * @param height image height in pixels (BoT: 256)
 * @param width  image width in pixels (BoT: 128)
 * @param mean   per-channel (R, G, B) mean of 0..1 intensities subtracted before the network (ImageNet's by default)
 * @param std    per-channel standard deviation divided by
 * @param alpha  what decoding does with an alpha channel: {@code drop} or {@code black} ({@link Alpha})
 */
public record InputConfig(int height, int width, List<Double> mean, List<Double> std, String alpha) implements java.io.Serializable {
    public InputConfig {
        Check.positive("reid.input.height", height);
        Check.positive("reid.input.width", width);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (mean.size() != 3) throw ConfigError.badValue("reid.input.mean", mean, "3 numbers (R, G, B)");
        if (std.size() != 3) throw ConfigError.badValue("reid.input.std", std, "3 numbers (R, G, B)");
        for (double m : mean) Check.inRange("reid.input.mean", m, -1e6, 1e6);
        for (double s : std) Check.positive("reid.input.std", s);
        Check.oneOf("reid.input.alpha", alpha, Alpha.NAMES.toArray(String[]::new));
    }

    public static InputConfig from(Config c) {
        Config i = c.getConfig("reid.input");
        return new InputConfig(i.getInt("height"), i.getInt("width"), i.getDoubleList("mean"), i.getDoubleList("std"),
                i.getString("alpha"));
    }

    public double[] meanArray() {
        return mean.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public double[] stdArray() {
        return std.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public ImageDecoder decoder() {
        return new ImageDecoder(Alpha.byName(alpha));
    }
}
