package org.reidspark.method.dgnet;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.method.MethodConfig;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.dgnet.DgNetAppearance;
import org.reidspark.model.dgnet.DiscriminatorSpec;
import org.reidspark.model.dgnet.GeneratorSpec;

import java.util.List;

/**
 * DG-Net's settings (https://arxiv.org/abs/1904.07223; official code NVlabs/DG-Net, {@code configs/latest.yaml}, whose
 * values are the defaults where the project has a counterpart: docs/dgnet-official-code.md): its own section
 * {@code reid.dgnet} with the shared sections it trains with: the appearance encoder's backbone ({@code reid.model}),
 * the input ({@code reid.input}), the augmentation ({@code reid.augment}: flip and pad-crop on every image, random
 * erasing only on the identity losses' inputs, as the official code) and the sampler ({@code reid.sampler}: P
 * identities, an even number, with K = 2 images each: the first P/2 identities give the pairs (x_a, xp_a), the others
 * (x_b, xp_b); the official code draws x_a and x_b independently, so they may share an identity, rarely).
 *
 * @param model          Ea's backbone ({@code reid.model}; its map needs a multiple of 4 rows)
 * @param input          input size and normalization
 * @param augment        training augmentation (erasing applied by the step to the identity inputs only)
 * @param sampler        P x 2 identity batches
 * @param eaOptimizer    Ea's optimizer, one of {@link #EA_OPTIMIZERS}: {@code sgd} (the official SGD with Nesterov
 *                       momentum) or {@code adam} (BoT's, for Ea trained from scratch)
 * @param eaLr           Ea's rate ({@code lr2}, 0.002 officially from ImageNet weights); its heads train at
 *                       {@code headFactor} times it
 * @param headFactor     the heads' rate factor (10 officially)
 * @param momentum       Ea's Nesterov momentum (0.9)
 * @param genLr          Adam's rate for Es and G ({@code lr_g}, 1e-4), beta1 0 and beta2 0.999 as the official code
 * @param disLr          Adam's rate for D ({@code lr_d}, 1e-4)
 * @param weightDecay    L2 on every network's weights (5e-4)
 * @param bottleneck     the heads' bottleneck width (512)
 * @param generator      Es and G sizes ({@code reid.dgnet.generator})
 * @param discriminator  D sizes ({@code reid.dgnet.discriminator})
 * @param loss           loss weights and ramps
 * @param reencodeDetached the probability of re-encoding the generated image's structure from a detached copy
 *                       ({@code use_encoder_again}, 0.5): that trains Es; otherwise a frozen copy of Es passes the
 *                       gradient into G
 * @param teacher        a published run directory of the teacher (a BoT run on the same training identities at the same
 *                       input size), or empty for none: then the KL term is left out (the fine-grained term stays)
 * @param fineWeight     the fine-grained half's weight in the test score {@code p.p + fineWeight f.f} (0.5)
 */
public record DgNetConfig(ModelConfig model, InputConfig input, AugmentConfig augment, SamplerConfig sampler, String eaOptimizer, double eaLr,
                          double headFactor, double momentum, double genLr, double disLr, double weightDecay, int bottleneck,
                          Generator generator, Discriminator discriminator, Losses loss, double reencodeDetached,
                          String teacher, double fineWeight) implements MethodConfig {
    public static final String SECTION = "reid.dgnet";
    public static final List<String> EA_OPTIMIZERS = List.of("sgd", "adam");

    /**
     * @param dim       Es's first width (16 officially; the structure code has 8 dim channels)
     * @param resBlocks residual blocks of Es and G (4); the appearance code is cut into as many chunks
     * @param dilations ASPP dilations (3, 6, 9)
     * @param mlpDim    the AdaIN MLPs' hidden width (512)
     */
    public record Generator(int dim, int resBlocks, List<Integer> dilations, int mlpDim) implements java.io.Serializable {
        public Generator {
            String p = SECTION + ".generator.";
            Check.positive(p + "dim", dim);
            Check.positive(p + "res-blocks", resBlocks);
            Check.positive(p + "mlp-dim", mlpDim);
            dilations = List.copyOf(dilations);
            if (dilations.isEmpty()) throw new ConfigError("config key '" + p + "dilations' is empty: ASPP needs at least one");
        }
    }

    /**
     * @param dim       D's first width (32)
     * @param layers    downsampling layers per scale (2)
     * @param resBlocks residual blocks per scale (4)
     * @param scales    scales (3)
     */
    public record Discriminator(int dim, int layers, int resBlocks, int scales) implements java.io.Serializable {
        public Discriminator {
            String p = SECTION + ".discriminator.";
            Check.positive(p + "dim", dim);
            Check.positive(p + "layers", layers);
            Check.nonNegative(p + "res-blocks", resBlocks);
            Check.positive(p + "scales", scales);
        }
    }

    /**
     * The official {@code latest.yaml} weights. Fixed weights: {@code reconX} ({@code recon_x_w} 5), {@code reconXp}
     * (5), {@code id} (1), {@code pid} (1), {@code reconId} (0.5), {@code gan} (1). Ramped weights, 0 until
     * {@code warm} of training, then rising by 1 per {@code rampLength} of training up to their maximum (officially
     * warm 30000 of 100000 iterations, 5e-4 per iteration = 1 per 2000 = 0.02 of training): {@code reconS} (1),
     * {@code reconF} (1, logged only: both its sides are detached in the official code), {@code cycle} (2),
     * {@code teacher} (2). The teacher term is {@code teacher x (klWeight x KL + fineRelative x CE_fine)}, and the fine
     * head also learns the real images' identities at {@code teacher x fineRelative}.
     */
    public record Losses(double reconX, double reconXp, double id, double pid, double reconId, double gan, double reconS,
                         double reconF, double cycle, double teacher, double klWeight, double fineRelative, double warm,
                         double rampLength) implements java.io.Serializable {
        public Losses {
            String p = SECTION + ".loss.";
            Check.nonNegative(p + "recon-x-weight", reconX);
            Check.nonNegative(p + "recon-xp-weight", reconXp);
            Check.nonNegative(p + "id-weight", id);
            Check.nonNegative(p + "pid-weight", pid);
            Check.nonNegative(p + "recon-id-weight", reconId);
            Check.nonNegative(p + "gan-weight", gan);
            Check.nonNegative(p + "recon-s-max", reconS);
            Check.nonNegative(p + "recon-f-max", reconF);
            Check.nonNegative(p + "cycle-max", cycle);
            Check.nonNegative(p + "teacher-max", teacher);
            Check.nonNegative(p + "kl-weight", klWeight);
            Check.nonNegative(p + "fine-relative", fineRelative);
            Check.inRange(p + "warm", warm, 0.0, 1.0);
            Check.positive(p + "ramp-length", rampLength);
            if (id == 0 && pid == 0) throw new ConfigError("config keys '" + p + "id-weight' and '" + p + "pid-weight' are both 0: Ea has no identity loss");
        }

        /** A ramped weight at training progress {@code progress} in [0, 1]: 0 until warm, then +1 per ramp length, capped. */
        public double ramp(double max, double progress) {
            if (progress <= warm) return 0;
            return Math.min(max, (progress - warm) / rampLength);
        }
    }

    public DgNetConfig {
        if (!EA_OPTIMIZERS.contains(eaOptimizer)) throw Check.unknownName(SECTION + ".ea-optimizer", eaOptimizer, EA_OPTIMIZERS);
        Check.positive(SECTION + ".ea-lr", eaLr);
        Check.positive(SECTION + ".head-factor", headFactor);
        Check.inRange(SECTION + ".momentum", momentum, 0.0, 0.999);
        Check.positive(SECTION + ".gen-lr", genLr);
        Check.positive(SECTION + ".dis-lr", disLr);
        Check.nonNegative(SECTION + ".weight-decay", weightDecay);
        Check.positive(SECTION + ".bottleneck", bottleneck);
        Check.inRange(SECTION + ".reencode-detached", reencodeDetached, 0.0, 1.0);
        Check.nonNegative(SECTION + ".fine-weight", fineWeight);
        if (teacher == null) throw new ConfigError("config key '" + SECTION + ".teacher' is missing (empty for none)");
        if (sampler.k() != 2 || sampler.p() < 2 || sampler.p() % 2 != 0) {
            throw new ConfigError("DG-Net's batches are pairs of an image and a positive of the same identity: it needs "
                    + "reid.sampler.k = 2 and an even reid.sampler.p >= 2 (P/2 pairs (x_a, xp_a) and P/2 pairs (x_b, xp_b)), "
                    + "got P = " + sampler.p() + ", K = " + sampler.k());
        }
        int rows = ResNet.outputSize(model.inputHeight(), model.lastStride());
        if (rows % DgNetAppearance.STRIPES != 0) {
            throw new ConfigError("DG-Net's appearance code pools Ea's map in " + DgNetAppearance.STRIPES + " stripes: reid.input.height = "
                    + model.inputHeight() + " with reid.model.last-stride = " + model.lastStride() + " gives " + rows
                    + " rows; use a height (or last stride 1) whose map has a multiple of " + DgNetAppearance.STRIPES + " rows");
        }
        int code = appearanceSize(model);
        if (code % generator.resBlocks() != 0) {
            throw new ConfigError("the appearance code has " + code + " values, which " + SECTION + ".generator.res-blocks = "
                    + generator.resBlocks() + " cannot cut into equal chunks (one per decoder block)");
        }
        try {
            generatorSpec(model, generator);
            discriminatorSpec(model, discriminator);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("DG-Net's generator or discriminator does not fit reid.input " + model.inputHeight() + "x"
                    + model.inputWidth() + ": " + e.getMessage());
        }
    }

    /** Values of the appearance code: 4 stripes of Ea's channels. */
    static int appearanceSize(ModelConfig model) {
        return DgNetAppearance.STRIPES * ResNet.outputChannels(Backbones.byName(model.backbone()), model.width());
    }

    private static GeneratorSpec generatorSpec(ModelConfig model, Generator g) {
        return new GeneratorSpec(model.inputHeight(), model.inputWidth(), g.dim(), g.resBlocks(), g.dilations(), g.mlpDim(),
                appearanceSize(model) / g.resBlocks());
    }

    private static DiscriminatorSpec discriminatorSpec(ModelConfig model, Discriminator d) {
        return new DiscriminatorSpec(model.inputHeight(), model.inputWidth(), d.dim(), d.layers(), d.resBlocks(), d.scales());
    }

    /** Es and G at this input size, the appearance code cut into one chunk per block. */
    public GeneratorSpec generatorSpec() {
        return generatorSpec(model, generator);
    }

    public DiscriminatorSpec discriminatorSpec() {
        return discriminatorSpec(model, discriminator);
    }

    public static DgNetConfig from(Config c) {
        Config d = c.getConfig(SECTION);
        Config g = d.getConfig("generator");
        Config s = d.getConfig("discriminator");
        Config l = d.getConfig("loss");
        return new DgNetConfig(ModelConfig.from(c, true), InputConfig.from(c), AugmentConfig.from(c), SamplerConfig.from(c),
                d.getString("ea-optimizer"), d.getDouble("ea-lr"), d.getDouble("head-factor"), d.getDouble("momentum"), d.getDouble("gen-lr"),
                d.getDouble("dis-lr"), d.getDouble("weight-decay"), d.getInt("bottleneck"),
                new Generator(g.getInt("dim"), g.getInt("res-blocks"), g.getIntList("dilations"), g.getInt("mlp-dim")),
                new Discriminator(s.getInt("dim"), s.getInt("layers"), s.getInt("res-blocks"), s.getInt("scales")),
                new Losses(l.getDouble("recon-x-weight"), l.getDouble("recon-xp-weight"), l.getDouble("id-weight"),
                        l.getDouble("pid-weight"), l.getDouble("recon-id-weight"), l.getDouble("gan-weight"),
                        l.getDouble("recon-s-max"), l.getDouble("recon-f-max"), l.getDouble("cycle-max"),
                        l.getDouble("teacher-max"), l.getDouble("kl-weight"), l.getDouble("fine-relative"),
                        l.getDouble("warm"), l.getDouble("ramp-length")),
                d.getDouble("reencode-detached"), d.getString("teacher"), d.getDouble("fine-weight"));
    }

    @Override
    public List<String> evaluationKeys() {
        return List.of("fine-weight");
    }

    @Override
    public String section() {
        return SECTION;
    }
}
