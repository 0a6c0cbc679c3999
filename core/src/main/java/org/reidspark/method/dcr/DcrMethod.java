package org.reidspark.method.dcr;

import org.nd4j.linalg.learning.config.Adam;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.model.NetworkOptions;
import org.reidspark.train.LearningRates;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

/**
 * DCR, "Learning differentiable categorical regions with Gumbel-Softmax for person re-identification" (Yang and Xu,
 * Neurocomputing 613, 2024, https://doi.org/10.1016/j.neucom.2024.128723; official code, partial:
 * github.com/DeepAlchemist/differentiable-categorical-region): part-aligned features from identity labels only. A part
 * locator splits a mid-level map into background and K parts; straight-through Gumbel-Softmax stripes keep the parts
 * apart (stripe-wise regularization); a foreground map times the stripes gives part pseudo-labels the locator is
 * aligned to (self-refinement); global, foreground and part branches each run their own copy of the last ResNet
 * block on the map re-weighted by their detached mask. Occluded images are matched by part distances weighted by
 * both images' part visibility.
 *
 * <p>One network, {@value #NETWORK} ({@link DcrNetwork}: input {@code [B, 3, H, W]}; per branch feature, logits and
 * embedding {@code [B, C]} / {@code [B, classes]}; part probabilities {@code [B, K + 1, h, w]}; foreground
 * {@code [B, 1, h, w]}); its {@link DcrStep}; its test features and matching rule ({@link DcrTestNetwork}). No
 * auxiliary state. P x K batches with the configured augmentation.
 *
 * <p>Where the paper (its abstract, the seed), the project's summary and the official code differ, this follows:
 * <ul>
 *   <li>the part locator of the official code ({@code SegHead}: a gated GeM norm per map, BatchNorm, softmax over the
 *       K + 1 maps) rather than the summary's "1x1 convolution";</li>
 *   <li>the Gumbel-Softmax stripes of the paper and of the official {@code part_loss_stripe_wise}
 *       (temperature 0.8, box smoothing of 3 rows, the border rows excluded, max-pool dilation) rather than the
 *       official code's active {@code part_loss_stripe_wise_soft} (a plain softmax over the height);</li>
 *   <li>the overlap penalty of the official {@code map_overlap_activ_penalty}: averaged over pairs, the earlier
 *       stripe of each pair detached (the summary's formula sums the pairs and detaches nothing);</li>
 *   <li>the pixel-level alignment of the official {@code part_loss_pixel_wise} (commented out there), with the
 *       foreground map of the network's own foreground head as the paper says, where the official code reads
 *       foreground masks generated offline from files;</li>
 *   <li>the foreground head's map multiplies the foreground branch's input detached, as the official code does, so
 *       its own three parameters (p, BatchNorm scale and shift) receive no gradient: the map is the standardized GeM
 *       norm of trunk features that only identity losses train;</li>
 *   <li>each branch runs its own copy of the last block of layer4 (the official {@code transform}, deep-copied), not a
 *       copy of the whole stage;</li>
 *   <li>the last rows labelled background by the pseudo-labels, the stripe dilation and border are settings
 *       ({@code reid.dcr.pseudo-labels}, {@code reid.dcr.stripes}) so smaller maps than the official 24 rows can use
 *       the same proportions.</li>
 * </ul>
 */
public final class DcrMethod implements Method {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "dcr";
    public static final String NETWORK = "dcr";

    private final DcrConfig config;

    public DcrMethod(DcrConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DcrConfig config() {
        return config;
    }

    @Override
    public TrainingInputs trainingInputs() {
        return TrainingInputs.of(TrainingInputs.identities(config.sampler().p(), config.sampler().k()),
                new Augmentation(config.input(), config.augment()));
    }

    private NetworkOptions options(long seed) {
        NetworkOptions bot = NetworkOptions.bot(seed);
        return new NetworkOptions(seed, bot.dataType(), new Adam(config.lr()), config.weightDecay());
    }

    @Override
    public TrainingState initialize(TrainingData data, long seed, Storage storage) {
        DcrNetwork.Built built = DcrNetwork.build(config.model(), config.parts(), data.identities(), options(seed), storage);
        return new TrainingState(new NetworkSet().put(NETWORK, built.graph()));
    }

    @Override
    public Step step(TrainingData data, long seed) {
        return new DcrStep(config, resnetLayers());
    }

    /** The names of the ResNet layers {@code freeze-epochs} holds fixed. */
    private java.util.List<String> resnetLayers() {
        return config.freezeEpochs() == 0 ? java.util.List.of() : DcrNetwork.resnetLayers(config.model(), config.parts());
    }

    @Override
    public LearningRates learningRates() {
        return LearningRates.of(NETWORK, config.lr());
    }

    @Override
    public TestNetwork testNetwork(NetworkSet networks) {
        return new DcrTestNetwork(networks.get(NETWORK), config.parts(), config.matching());
    }
}
