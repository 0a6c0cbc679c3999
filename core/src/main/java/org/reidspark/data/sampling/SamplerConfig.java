package org.reidspark.data.sampling;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.sampler}: P x K identity batches ({@link IdentitySampler}); BoT uses P = 16, K = 4.
 *
 * @param p identities per batch
 * @param k images per identity in a batch
 */
public record SamplerConfig(int p, int k) implements java.io.Serializable {
    public SamplerConfig {
        Check.positive("reid.sampler.p", p);
        Check.positive("reid.sampler.k", k);
    }

    public static SamplerConfig from(Config c) {
        Config s = c.getConfig("reid.sampler");
        return new SamplerConfig(s.getInt("p"), s.getInt("k"));
    }

    public int batchSize() {
        return p * k;
    }
}
