package org.reidspark.loss;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

/**
 * {@code reid.loss}: weights and settings of the re-ID losses (defaults are BoT's, https://arxiv.org/abs/1903.07071).
 * A weight of 0 leaves that loss out.
 *
 * @param idWeight          weight of the label-smoothed cross-entropy on the logits
 * @param labelSmoothing    its smoothing epsilon, in [0, 1)
 * @param tripletWeight     weight of the batch-hard triplet loss on the pre-BN feature
 * @param tripletMargin     its hinge margin (> 0)
 * @param tripletSoftMargin soft-margin triplet instead of the hinge
 * @param centerWeight      weight of the center loss on the pre-BN feature
 * @param centerLr          SGD learning rate of the centers
 */
public record LossConfig(double idWeight, double labelSmoothing, double tripletWeight, double tripletMargin,
                         boolean tripletSoftMargin, double centerWeight, double centerLr) {
    public LossConfig {
        Check.nonNegative("reid.loss.id-weight", idWeight);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw ConfigError.badValue("reid.loss.label-smoothing", labelSmoothing, "a number in [0, 1)");
        }
        Check.nonNegative("reid.loss.triplet-weight", tripletWeight);
        Check.positive("reid.loss.triplet-margin", tripletMargin);
        Check.nonNegative("reid.loss.center-weight", centerWeight);
        Check.nonNegative("reid.loss.center-lr", centerLr);
        if (idWeight == 0 && tripletWeight == 0 && centerWeight == 0) {
            throw new ConfigError("config keys 'reid.loss.id-weight', 'reid.loss.triplet-weight' and "
                    + "'reid.loss.center-weight' are all 0: nothing to train on");
        }
    }

    public static LossConfig from(Config c) {
        Config l = c.getConfig("reid.loss");
        return new LossConfig(l.getDouble("id-weight"), l.getDouble("label-smoothing"), l.getDouble("triplet-weight"),
                l.getDouble("triplet-margin"), l.getBoolean("triplet-soft-margin"), l.getDouble("center-weight"),
                l.getDouble("center-lr"));
    }
}
