package org.reidspark.method.paul;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.SurrogateConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.method.MethodConfig;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.backbone.ResNet;

import java.util.List;

/**
 * PAUL's settings (https://arxiv.org/abs/1904.01308, CVPR 2019; official code {@code QizeYang/PAUL}): its own section
 * {@code reid.paul} with the shared sections it trains with: the backbone ({@code reid.model}, last stride 1 as the
 * official {@code resnet50(..., last_stride=1)}), the input ({@code reid.input}), the base augmentation of every view
 * ({@code reid.augment}: the official training transform is a horizontal flip only), the surrogate positives
 * ({@code reid.augment.surrogate}, {@link SurrogateConfig}: crop 70-95% of the area, rotation +-10 degrees,
 * brightness/contrast/saturation 0.8-1.2, hue +-0.1 as the official {@code ColorJitter(0.2, 0.2, 0.2, 0.1)}) and, in
 * supervised mode only, the P x K sampler ({@code reid.sampler}).
 *
 * @param model       the backbone (last stride 1)
 * @param input       input size and normalization
 * @param augment     the transform of every view (flip; the official code has no pad-crop and no erasing)
 * @param surrogate   how an image's surrogate is made (unsupervised mode)
 * @param sampler     P x K identity batches (supervised mode only; the official pre-training batch is 48 images each
 *                    with one other image of its identity: P 48 x K 2)
 * @param mode        {@value #SUPERVISED} (the pre-training with identity labels, {@code supervised_train.py}) or
 *                    {@value #UNSUPERVISED} (PEDAL + IPFL, no labels, {@code unsupervised_train.py})
 * @param batchSize   images per batch in unsupervised mode, each with its surrogate (the official README: 42 on
 *                    Market, 40 on Duke; {@code --batch-size} default 128)
 * @param lr          SGD's base learning rate (unsupervised 1e-4; supervised 0.1 for the heads in the official code)
 * @param momentum    SGD momentum (0.9; DL4J has Nesterov momentum only, see {@link PaulMethod})
 * @param weightDecay L2 on convolution and dense weights (1e-4)
 * @param pgnLrFactor the patch generation network's learning rate as a factor of {@code lr} (0 in the unsupervised
 *                    stage, {@code PatchNetUn.get_param})
 * @param patches     M, patches per image (6)
 * @param patchDim    d, a patch feature's dimension (256 at ResNet-50's 2048 channels)
 * @param embeddingDim dimension of each patch's embedding (128: {@code nn.Linear(256, 128)})
 * @param pgnChannels channels of the patch generation network's 3x3 convolution (4096 at 2048 input channels)
 * @param pgnHidden   width of its hidden dense layer (512)
 * @param bankInit    {@value #INIT_PASS}: epoch 0 is the embedding pass that fills the patch bank (no update);
 *                    {@value #INIT_FIRST_SIGHT}: no pass, an image enters the bank when first seen
 * @param pedal       PEDAL's settings
 * @param ipfl        IPFL's settings
 * @param supervised  the supervised pre-training's losses
 * @param surrogates  a published {@code augment} output whose stored surrogates the unsupervised mode trains with
 *                    ({@link org.reidspark.data.augment.StoredSurrogateView}, the Spark {@code train} job only); empty =
 *                    each surrogate made in the batch loader ({@link org.reidspark.data.augment.SurrogateView})
 */
public record PaulConfig(ModelConfig model, InputConfig input, AugmentConfig augment, SurrogateConfig surrogate,
                         SamplerConfig sampler, String mode, int batchSize, double lr, double momentum, double weightDecay,
                         double pgnLrFactor, int patches, int patchDim, int embeddingDim, int pgnChannels, int pgnHidden,
                         String bankInit, Pedal pedal, Ipfl ipfl, Supervised supervised, String surrogates)
        implements MethodConfig {
    public static final String SECTION = "reid.paul";
    public static final String SUPERVISED = "supervised";
    public static final String UNSUPERVISED = "unsupervised";
    public static final List<String> MODES = List.of(SUPERVISED, UNSUPERVISED);
    public static final String INIT_PASS = "pass";
    public static final String INIT_FIRST_SIGHT = "first-sight";
    public static final List<String> BANK_INITS = List.of(INIT_PASS, INIT_FIRST_SIGHT);

    /**
     * @param weight       weight of PEDAL in the total ({@code --ploss 2})
     * @param scale        s ({@code --scale}: 15 on Market, 5 on Duke)
     * @param neighbours   k, the nearest bank entries pulled (10)
     * @param bankMomentum the patch bank's (and the image memory's) momentum ({@code --mm 0.1})
     */
    public record Pedal(double weight, double scale, int neighbours, double bankMomentum) implements java.io.Serializable {
        public Pedal {
            String p = SECTION + ".pedal.";
            Check.nonNegative(p + "weight", weight);
            Check.positive(p + "scale", scale);
            Check.positive(p + "neighbours", neighbours);
            Check.inRange(p + "bank-momentum", bankMomentum, 0.0, 1.0);
        }
    }

    /**
     * @param weight  weight of IPFL in the total ({@code --iloss 1})
     * @param margin  the hinge margin ({@code --margin 2})
     * @param walk    cyclic ranking's walk length, at most this many of the anchor's nearest images tested (15)
     * @param top     the candidate's top list, itself counted, that must not hold the anchor (3)
     * @param negatives    where cyclic ranking looks: {@value #IN_BATCH} (the official code: each view against the
     *                     batch's centers) or {@value #GLOBAL} (this project's extension: each image against the whole
     *                     image memory, mined on the driver before an epoch, {@link GlobalNegatives})
     * @param refreshEvery {@value #GLOBAL} only: the negatives are mined again every this many epochs
     * @param driverLimit  {@value #GLOBAL} only: up to this many images with a memory entry the driver mines alone;
     *                     above it the trainer's executors search the neighbours (the {@code mine} job's search), where
     *                     there are executors (the Spark trainer)
     */
    public record Ipfl(double weight, double margin, int walk, int top, String negatives, int refreshEvery, int driverLimit)
            implements java.io.Serializable {
        public static final String IN_BATCH = "in-batch";
        public static final String GLOBAL = "global";
        public static final List<String> NEGATIVES = List.of(IN_BATCH, GLOBAL);

        public Ipfl {
            String p = SECTION + ".ipfl.";
            Check.nonNegative(p + "weight", weight);
            Check.nonNegative(p + "margin", margin);
            Check.positive(p + "walk", walk);
            Check.positive(p + "top", top);
            if (!NEGATIVES.contains(negatives)) throw Check.unknownName(p + "negatives", negatives, NEGATIVES);
            Check.positive(p + "refresh-every", refreshEvery);
            Check.nonNegative(p + "driver-limit", driverLimit);
        }

        public boolean global() {
            return negatives.equals(GLOBAL);
        }
    }

    /**
     * @param tripletWeight weight of the triplet on the concatenated embeddings ({@code --tloss 0.1}); the per-patch
     *                      cross-entropies are summed with weight 1
     * @param tripletMargin its margin ({@code --margin 1})
     */
    public record Supervised(double tripletWeight, double tripletMargin) implements java.io.Serializable {
        public Supervised {
            String p = SECTION + ".supervised.";
            Check.nonNegative(p + "triplet-weight", tripletWeight);
            Check.nonNegative(p + "triplet-margin", tripletMargin);
        }
    }

    public PaulConfig {
        if (!MODES.contains(mode)) throw Check.unknownName(SECTION + ".mode", mode, MODES);
        if (!BANK_INITS.contains(bankInit)) throw Check.unknownName(SECTION + ".bank-init", bankInit, BANK_INITS);
        Check.inRange(SECTION + ".batch-size", batchSize, 2, 100_000);
        Check.positive(SECTION + ".lr", lr);
        Check.inRange(SECTION + ".momentum", momentum, 0.0, 0.999);
        Check.nonNegative(SECTION + ".weight-decay", weightDecay);
        Check.inRange(SECTION + ".pgn-lr-factor", pgnLrFactor, 0.0, 1000.0);
        Check.inRange(SECTION + ".patches", patches, 1, 64);
        Check.positive(SECTION + ".patch-dim", patchDim);
        Check.positive(SECTION + ".embedding-dim", embeddingDim);
        Check.positive(SECTION + ".pgn-channels", pgnChannels);
        Check.positive(SECTION + ".pgn-hidden", pgnHidden);
        if (model.lastStride() != 1) {
            throw ConfigError.badValue("reid.model.last-stride", model.lastStride(), "1 for PAUL (the official PatchNet's last_stride=1)");
        }
        int h = mapSize(model.inputHeight());
        int w = mapSize(model.inputWidth());
        if (h < 3 || w < 3) {
            throw new ConfigError("PAUL's patch generation network starts with a 3x3 convolution without padding (the official"
                    + " PatchGenerator): the last feature map (a 16th of the input) must be at least 3x3; reid.input "
                    + model.inputHeight() + "x" + model.inputWidth() + " gives " + h + "x" + w + " (use an input of at least 48x48)");
        }
        if (!surrogates.equals(surrogates.strip())) {
            throw ConfigError.badValue(SECTION + ".surrogates", surrogates, "a path or URI without surrounding spaces, or empty");
        }
        if (mode.equals(SUPERVISED) && !surrogates.isEmpty()) {
            throw ConfigError.badValue(SECTION + ".surrogates", surrogates,
                    "empty in supervised mode (surrogates are the unsupervised mode's positives)");
        }
        if (mode.equals(SUPERVISED) && sampler.k() < 2) {
            throw ConfigError.badValue("reid.sampler.k", sampler.k(), "at least 2 in PAUL's supervised mode (each image with another of its identity)");
        }
    }

    /** Height (or width) of the last feature map, last stride 1: a 16th of the input, rounded up. */
    public static int mapSize(int size) {
        return ResNet.outputSize(size, 1);
    }

    public boolean unsupervised() {
        return mode.equals(UNSUPERVISED);
    }

    public static PaulConfig from(Config c) {
        Config p = c.getConfig(SECTION);
        Config pe = p.getConfig("pedal");
        Config ip = p.getConfig("ipfl");
        Config su = p.getConfig("supervised");
        return new PaulConfig(ModelConfig.from(c, false), InputConfig.from(c), AugmentConfig.from(c), SurrogateConfig.from(c),
                SamplerConfig.from(c), p.getString("mode"), p.getInt("batch-size"), p.getDouble("lr"), p.getDouble("momentum"),
                p.getDouble("weight-decay"), p.getDouble("pgn-lr-factor"), p.getInt("patches"), p.getInt("patch-dim"),
                p.getInt("embedding-dim"), p.getInt("pgn-channels"), p.getInt("pgn-hidden"), p.getString("bank-init"),
                new Pedal(pe.getDouble("weight"), pe.getDouble("scale"), pe.getInt("neighbours"), pe.getDouble("bank-momentum")),
                new Ipfl(ip.getDouble("weight"), ip.getDouble("margin"), ip.getInt("walk"), ip.getInt("top"),
                        ip.getString("negatives"), ip.getInt("refresh-every"), ip.getInt("driver-limit")),
                new Supervised(su.getDouble("triplet-weight"), su.getDouble("triplet-margin")), p.getString("surrogates"));
    }

    @Override
    public String section() {
        return SECTION;
    }
}
