package org.reidspark.loss;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

/**
 * The re-ID losses of a method's config section (e.g. {@code reid.bot.loss}; defaults are BoT's,
 * https://arxiv.org/abs/1903.07071). A weight of 0 leaves that loss out.
 *
 * @param section           the config path it was read from (named in errors)
 * @param idWeight          weight of the label-smoothed cross-entropy on the logits
 * @param labelSmoothing    its smoothing epsilon, in [0, 1)
 * @param tripletWeight     weight of the batch-hard triplet loss on the pre-BN feature
 * @param tripletMargin     its hinge margin (> 0)
 * @param tripletSoftMargin soft-margin triplet instead of the hinge
 * @param centerWeight      weight of the center loss on the pre-BN feature
 * @param centerLr          SGD learning rate of the centers
 */
public record LossConfig(String section, double idWeight, double labelSmoothing, double tripletWeight, double tripletMargin,
                         boolean tripletSoftMargin, double centerWeight, double centerLr) implements java.io.Serializable {
    public LossConfig {
        String p = section + ".";
        Check.nonNegative(p + "id-weight", idWeight);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw ConfigError.badValue(p + "label-smoothing", labelSmoothing, "a number in [0, 1)");
        }
        Check.nonNegative(p + "triplet-weight", tripletWeight);
        Check.positive(p + "triplet-margin", tripletMargin);
        Check.nonNegative(p + "center-weight", centerWeight);
        Check.nonNegative(p + "center-lr", centerLr);
        if (idWeight == 0 && tripletWeight == 0 && centerWeight == 0) {
            throw new ConfigError("config keys '" + p + "id-weight', '" + p + "triplet-weight' and '" + p
                    + "center-weight' are all 0: nothing to train on");
        }
    }

    /** The losses at config path {@code section} (e.g. {@code reid.bot.loss}). */
    public static LossConfig from(Config c, String section) {
        Config l = c.getConfig(section);
        return new LossConfig(section, l.getDouble("id-weight"), l.getDouble("label-smoothing"), l.getDouble("triplet-weight"),
                l.getDouble("triplet-margin"), l.getBoolean("triplet-soft-margin"), l.getDouble("center-weight"),
                l.getDouble("center-lr"));
    }
}
