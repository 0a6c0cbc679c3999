package org.reidspark.method.bot;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.loss.LossConfig;
import org.reidspark.method.MethodConfig;
import org.reidspark.model.ModelConfig;

/**
 * BoT's settings (https://arxiv.org/abs/1903.07071): its own section {@code reid.bot} (Adam's rate and weight decay,
 * BNNeck, the losses in {@code reid.bot.loss}) with the shared sections it trains with: the backbone
 * ({@code reid.model}), the input ({@code reid.input}), the augmentation ({@code reid.augment}) and the P x K sampler
 * ({@code reid.sampler}). The schedule is {@code reid.train.schedule}.
 *
 * @param model       the network (backbone from {@code reid.model}, head BNNeck or not from {@code reid.bot.bnneck})
 * @param input       input size and normalization
 * @param augment     training augmentation
 * @param sampler     P x K identity batches
 * @param lr          Adam's base learning rate
 * @param weightDecay L2 on convolution and dense weights
 * @param loss        the weighted losses
 */
public record BotConfig(ModelConfig model, InputConfig input, AugmentConfig augment, SamplerConfig sampler, double lr,
                        double weightDecay, LossConfig loss) implements MethodConfig {
    public static final String SECTION = "reid.bot";

    public BotConfig {
        Check.positive(SECTION + ".lr", lr);
        Check.nonNegative(SECTION + ".weight-decay", weightDecay);
    }

    public static BotConfig from(Config c) {
        Config b = c.getConfig(SECTION);
        return new BotConfig(ModelConfig.from(c, b.getBoolean("bnneck")), InputConfig.from(c), AugmentConfig.from(c),
                SamplerConfig.from(c), b.getDouble("lr"), b.getDouble("weight-decay"), LossConfig.from(c, SECTION + ".loss"));
    }

    @Override
    public String section() {
        return SECTION;
    }
}
