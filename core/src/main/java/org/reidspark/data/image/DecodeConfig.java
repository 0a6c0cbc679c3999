package org.reidspark.data.image;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.decode}: limits on the image files a job decodes.
 *
 * @param maxPixels the largest width x height decoded; a larger image is refused from its header, before any pixel is
 *                  decoded, and recorded as unreadable (so one 30000 x 30000 file cannot take an executor's memory)
 */
public record DecodeConfig(long maxPixels) implements java.io.Serializable {
    public DecodeConfig {
        Check.positive("reid.decode.max-pixels", maxPixels);
    }

    public static DecodeConfig from(Config c) {
        return new DecodeConfig(c.getLong("reid.decode.max-pixels"));
    }

    /** A decoder with this limit and {@code alpha}. */
    public ImageDecoder decoder(Alpha alpha) {
        return new ImageDecoder(alpha, maxPixels);
    }
}
