package org.reidspark.embed;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.embed}: how test images are embedded for evaluation and extraction.
 *
 * @param batchSize images per inference batch
 * @param flip      sum each image's network output with its mirror image's before finishing
 */
public record EmbedConfig(int batchSize, boolean flip) implements java.io.Serializable {
    public EmbedConfig {
        Check.positive("reid.embed.batch-size", batchSize);
    }

    public static EmbedConfig from(Config c) {
        return new EmbedConfig(c.getInt("reid.embed.batch-size"), c.getBoolean("reid.embed.flip"));
    }
}
