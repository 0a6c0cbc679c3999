package org.reidspark.method.dcr;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.method.MethodConfig;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.backbone.ResNet;

import java.util.List;

/**
 * DCR's settings (https://doi.org/10.1016/j.neucom.2024.128723): its own section {@code reid.dcr} with the shared
 * sections it trains with: the backbone ({@code reid.model}, last stride 1), the input ({@code reid.input}), the
 * augmentation ({@code reid.augment}) and the P x K sampler ({@code reid.sampler}). The schedule is
 * {@code reid.train.schedule} (the paper: warm-up, then cosine from a later epoch, {@code cosine-start}).
 *
 * @param model        the backbone (BNNeck heads on every branch)
 * @param input        input size and normalization
 * @param augment      training augmentation
 * @param sampler      P x K identity batches
 * @param lr           Adam's base learning rate
 * @param weightDecay  L2 on convolution and dense weights (and the locator's gates)
 * @param parts        K, the number of parts (stripes) besides the background
 * @param freezeEpochs epochs at the start during which every ResNet layer (trunk and the branches' copies of the
 *                     last block) stays fixed and only the heads, locator and classifiers train
 * @param loss         the loss weights
 * @param stripes      the Gumbel-Softmax stripes
 * @param pseudo       the part pseudo-labels of the pixel-level alignment
 * @param matching     the test-time matching rule, one of {@link #MATCHINGS}
 */
public record DcrConfig(ModelConfig model, InputConfig input, AugmentConfig augment, SamplerConfig sampler, double lr,
                        double weightDecay, int parts, int freezeEpochs, Losses loss, Stripes stripes, PseudoLabels pseudo,
                        String matching) implements MethodConfig {
    public static final String SECTION = "reid.dcr";
    /**
     * {@code visible-parts}: per-part cosine distances weighted by both images' part visibility (the paper's occluded
     * matching); {@code parts}: the part distances unweighted (visibility weighting off); {@code holistic}: cosine of
     * the concatenated, per-branch L2-normalized global, foreground and part features (the paper's holistic matching).
     */
    public static final List<String> MATCHINGS = List.of("visible-parts", "parts", "holistic");

    /** The matching rule changes only the evaluation: a trained model is evaluated under each (the ablation's matchings). */
    @Override
    public List<String> evaluationKeys() {
        return List.of("matching");
    }

    /**
     * @param id             weight of the label-smoothed cross-entropy, averaged over the branches' classifiers
     * @param labelSmoothing its epsilon, in [0, 1)
     * @param triplet        weight of the soft-margin batch-hard triplet on the concatenated pre-BN branch features
     * @param stripe         weight of the stripe overlap penalty (5 in the paper)
     * @param alignment      weight of the pixel-level part alignment
     */
    public record Losses(double id, double labelSmoothing, double triplet, double stripe, double alignment) implements java.io.Serializable {
        public Losses {
            String p = SECTION + ".loss.";
            Check.nonNegative(p + "id-weight", id);
            if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw ConfigError.badValue(p + "label-smoothing", labelSmoothing, "a number in [0, 1)");
            Check.nonNegative(p + "triplet-weight", triplet);
            Check.nonNegative(p + "stripe-weight", stripe);
            Check.nonNegative(p + "alignment-weight", alignment);
            if (id == 0 && triplet == 0) {
                throw new ConfigError("config keys '" + p + "id-weight' and '" + p + "triplet-weight' are both 0: no identity loss to train on");
            }
        }
    }

    /**
     * @param temperature Gumbel-Softmax temperature
     * @param smoothing   rows of the box that smooths the height profile (odd)
     * @param dilation    rows of the max-pool that widens the chosen row into a stripe (odd)
     * @param border      rows at top and bottom a stripe cannot be centred on
     */
    public record Stripes(double temperature, int smoothing, int dilation, int border) implements java.io.Serializable {
        public Stripes {
            String p = SECTION + ".stripes.";
            Check.positive(p + "temperature", temperature);
            if (smoothing < 1 || smoothing % 2 == 0) throw ConfigError.badValue(p + "smoothing", smoothing, "an odd number of rows >= 1");
            if (dilation < 1 || dilation % 2 == 0) throw ConfigError.badValue(p + "dilation", dilation, "an odd number of rows >= 1");
            Check.nonNegative(p + "border", border);
        }
    }

    /**
     * @param backgroundFraction the fraction of each image's positions with the lowest foreground values labelled background
     * @param backgroundRows     rows at the top and at the bottom labelled background
     * @param sharpness          the factor on the labels before the softmax over channels that makes the target distribution
     */
    public record PseudoLabels(double backgroundFraction, int backgroundRows, double sharpness) implements java.io.Serializable {
        public PseudoLabels {
            String p = SECTION + ".pseudo-labels.";
            Check.inRange(p + "background-fraction", backgroundFraction, 0.0, 0.99);
            Check.nonNegative(p + "background-rows", backgroundRows);
            Check.positive(p + "sharpness", sharpness);
        }
    }

    public DcrConfig {
        Check.positive(SECTION + ".lr", lr);
        Check.nonNegative(SECTION + ".weight-decay", weightDecay);
        Check.inRange(SECTION + ".parts", parts, 1, 16);
        Check.nonNegative(SECTION + ".freeze-epochs", freezeEpochs);
        if (!MATCHINGS.contains(matching)) throw Check.unknownName(SECTION + ".matching", matching, MATCHINGS);
        if (model.lastStride() != 1) {
            throw ConfigError.badValue("reid.model.last-stride", model.lastStride(),
                    "1 for DCR (its branches re-weight the last stage's input by masks at the resolution of layer3)");
        }
        int rows = mapRows(model.inputHeight());
        if (rows < 2 * stripes.border() + 1 || rows <= 2 * pseudo.backgroundRows()) {
            throw new ConfigError("DCR's stripes need the mid-level map (1/16 of reid.input.height) to have at least "
                    + Math.max(2 * stripes.border() + 1, 2 * pseudo.backgroundRows() + 1) + " rows for " + SECTION
                    + ".stripes.border = " + stripes.border() + " and " + SECTION + ".pseudo-labels.background-rows = "
                    + pseudo.backgroundRows() + "; reid.input.height = " + model.inputHeight() + " gives " + rows
                    + " (use a taller input)");
        }
    }

    /** Rows of the mid-level map (layer3's output, a 16th of the input height rounded up) at input height {@code height}. */
    public static int mapRows(int height) {
        return ResNet.outputSize(height, 1);
    }

    public static DcrConfig from(Config c) {
        Config d = c.getConfig(SECTION);
        Config l = d.getConfig("loss");
        Config s = d.getConfig("stripes");
        Config p = d.getConfig("pseudo-labels");
        return new DcrConfig(ModelConfig.from(c, true), InputConfig.from(c), AugmentConfig.from(c), SamplerConfig.from(c),
                d.getDouble("lr"), d.getDouble("weight-decay"), d.getInt("parts"), d.getInt("freeze-epochs"),
                new Losses(l.getDouble("id-weight"), l.getDouble("label-smoothing"), l.getDouble("triplet-weight"),
                        l.getDouble("stripe-weight"), l.getDouble("alignment-weight")),
                new Stripes(s.getDouble("temperature"), s.getInt("smoothing"), s.getInt("dilation"), s.getInt("border")),
                new PseudoLabels(p.getDouble("background-fraction"), p.getInt("background-rows"), p.getDouble("sharpness")),
                d.getString("matching"));
    }

    /** This config with another matching rule (one of {@link #MATCHINGS}). */
    public DcrConfig withMatching(String rule) {
        return new DcrConfig(model, input, augment, sampler, lr, weightDecay, parts, freezeEpochs, loss, stripes, pseudo, rule);
    }

    @Override
    public String section() {
        return SECTION;
    }
}
