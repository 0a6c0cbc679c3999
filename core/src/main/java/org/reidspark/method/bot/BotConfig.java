package org.reidspark.method.bot;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.bot}: BoT's optimizer (https://arxiv.org/abs/1903.07071: Adam 3.5e-4, weight decay 5e-4). The
 * network is {@code reid.model}, the losses {@code reid.loss}, the schedule {@code reid.train.schedule}.
 *
 * @param lr          Adam's base learning rate
 * @param weightDecay L2 on convolution and dense weights
 */
public record BotConfig(double lr, double weightDecay) {
    public BotConfig {
        Check.positive("reid.bot.lr", lr);
        Check.nonNegative("reid.bot.weight-decay", weightDecay);
    }

    public static BotConfig from(Config c) {
        return new BotConfig(c.getDouble("reid.bot.lr"), c.getDouble("reid.bot.weight-decay"));
    }
}
