package org.reidspark.method.cal;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.loss.LossConfig;
import org.reidspark.method.MethodConfig;
import org.reidspark.model.ModelConfig;

import java.util.List;

/**
 * CAL's settings ("Clothes-Changing Person Re-identification with RGB Modality Only", Gu et al., CVPR 2022,
 * https://arxiv.org/abs/2204.06890): its own section {@code reid.cal} with the shared sections it trains with: the
 * backbone ({@code reid.model}), the input ({@code reid.input}), the augmentation ({@code reid.augment}) and the P x K
 * sampler ({@code reid.sampler}). The schedule is {@code reid.train.schedule}.
 *
 * @param model             the re-ID network (backbone from {@code reid.model}; max + avg pooling, BNNeck from
 *                          {@code reid.cal.bnneck})
 * @param input             input size and normalization
 * @param augment           training augmentation
 * @param sampler           P x K identity batches
 * @param lr                Adam's base rate of the re-ID network (scheduled)
 * @param weightDecay       L2 on the re-ID network's convolution and dense weights
 * @param loss              the identity losses ({@code reid.cal.loss}: cross-entropy, triplet, center)
 * @param clothesLr         Adam's rate of the clothes classifier; the schedule leaves it alone, as the official code
 *                          never decays the clothes optimizer
 * @param clothesWeightDecay L2 on the clothes classifier's weights
 * @param scale             s of the cosine logits, in the clothes classifier's cross-entropy and in CAL (16)
 * @param epsilon           CAL's weight spread over all the identity's clothes classes (0.1)
 * @param adversarialWeight weight of CAL in the re-ID network's loss (1; 0 = the same network and schedule without
 *                          the clothes losses: the clothes classifier still learns on detached features)
 * @param startEpoch        the 0-based epoch from which the clothes classifier trains and CAL is added (official: 25)
 * @param clothesLabels     {@code outfits} (the dataset's clothes classes) or {@code shuffled-within-identity} (a
 *                          control: each identity's training images' classes permuted at random among them)
 */
public record CalConfig(ModelConfig model, InputConfig input, AugmentConfig augment, SamplerConfig sampler, double lr,
                        double weightDecay, LossConfig loss, double clothesLr, double clothesWeightDecay, double scale,
                        double epsilon, double adversarialWeight, int startEpoch, String clothesLabels) implements MethodConfig {
    public static final String SECTION = "reid.cal";
    /** The clothes labels of the dataset. */
    public static final String OUTFITS = "outfits";
    /** The control: each identity's clothes classes permuted among its training images. */
    public static final String SHUFFLED = "shuffled-within-identity";
    public static final List<String> LABELS = List.of(OUTFITS, SHUFFLED);

    public CalConfig {
        Check.positive(SECTION + ".lr", lr);
        Check.nonNegative(SECTION + ".weight-decay", weightDecay);
        Check.positive(SECTION + ".clothes.lr", clothesLr);
        Check.nonNegative(SECTION + ".clothes.weight-decay", clothesWeightDecay);
        Check.positive(SECTION + ".clothes.scale", scale);
        Check.inRange(SECTION + ".epsilon", epsilon, 0.0, 1.0);
        Check.nonNegative(SECTION + ".adversarial-weight", adversarialWeight);
        Check.nonNegative(SECTION + ".start-epoch", startEpoch);
        if (!LABELS.contains(clothesLabels)) throw Check.unknownName(SECTION + ".clothes.labels", clothesLabels, LABELS);
    }

    /**
     * {@code reid.cal} and the shared sections; fails when {@code start-epoch} is not before {@code reid.train.epochs}
     * (the clothes losses would never train).
     */
    public static CalConfig from(Config c) {
        Config s = c.getConfig(SECTION);
        CalConfig config = new CalConfig(ModelConfig.from(c, s.getBoolean("bnneck")), InputConfig.from(c), AugmentConfig.from(c),
                SamplerConfig.from(c), s.getDouble("lr"), s.getDouble("weight-decay"), LossConfig.from(c, SECTION + ".loss"),
                s.getDouble("clothes.lr"), s.getDouble("clothes.weight-decay"), s.getDouble("clothes.scale"), s.getDouble("epsilon"),
                s.getDouble("adversarial-weight"), s.getInt("start-epoch"), s.getString("clothes.labels"));
        int epochs = c.getInt("reid.train.epochs");
        if (config.startEpoch() >= epochs) {
            throw ConfigError.badValue(SECTION + ".start-epoch", config.startEpoch(), "an epoch before reid.train.epochs ("
                    + epochs + "): the clothes classifier and CAL start there");
        }
        return config;
    }

    /** Whether the clothes labels are the control's shuffled ones. */
    public boolean shuffledLabels() {
        return clothesLabels.equals(SHUFFLED);
    }

    @Override
    public String section() {
        return SECTION;
    }
}
