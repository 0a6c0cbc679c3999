package org.reidspark.data.batch;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.loader}: how batches are assembled off the training thread ({@link BatchLoader}).
 *
 * @param threads  worker threads decoding and augmenting (each assembles whole batches)
 * @param prefetch batches assembled ahead of the consumer (bounds the memory held)
 */
public record LoaderConfig(int threads, int prefetch) implements java.io.Serializable {
    public LoaderConfig {
        Check.inRange("reid.loader.threads", threads, 1, 256);
        Check.inRange("reid.loader.prefetch", prefetch, 1, 1024);
    }

    public static LoaderConfig from(Config c) {
        Config l = c.getConfig("reid.loader");
        return new LoaderConfig(l.getInt("threads"), l.getInt("prefetch"));
    }
}
