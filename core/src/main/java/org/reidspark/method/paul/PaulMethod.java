package org.reidspark.method.paul;

import org.reidspark.model.LayerFactors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.augment.ImageTransform;
import org.reidspark.data.augment.StoredSurrogateView;
import org.reidspark.data.augment.SurrogateView;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.model.NetworkOptions;
import org.reidspark.train.LearningRates;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PAUL, "Patch-based Discriminative Feature Learning for Unsupervised Person Re-identification" (Yang, Yu, Wu and
 * Zheng, CVPR 2019, https://arxiv.org/abs/1904.01308; official code github.com/QizeYang/PAUL): patch features from a
 * spatial transformer over a ResNet map, learned without identity labels.
 *
 * <p>One network, {@value #NETWORK} ({@link PaulNetwork}: input {@code [B, 3, H, W]}; {@code theta} {@code [B, 6M]};
 * per patch the feature {@code [B, d]}, the embedding {@code [B, e]} and, supervised, the logits
 * {@code [B, classes]}). By {@code reid.paul.mode}:
 * <ul>
 *   <li>{@code unsupervised} ({@link PaulUnsupervisedStep}): random batches of {@code batch-size} images that ignore
 *       labels, each with its surrogate view {@value #SURROGATE} ({@link SurrogateView}, or with
 *       {@code reid.paul.surrogates} one of the image's surrogates stored by the {@code augment} job,
 *       {@link StoredSurrogateView}); keyed state
 *       {@value #PATCH_BANK} {@code [train images, 1 + M*d]} (the patch memory bank, {@link BankState}) and
 *       {@value #IMAGE_MEMORY} {@code [train images, 1 + M*e]} (IPFL's image centers), merged by key across workers;
 *       no classifier, no identity label read;</li>
 *   <li>{@code supervised} ({@link PaulSupervisedStep}): P x K batches, per-patch classifiers, no keyed state.</li>
 * </ul>
 * Test features ({@link PaulTestNetwork}): the concatenated patch features, L2-normalized per patch in unsupervised
 * mode.
 *
 * <p>Where the paper, METHODS.md and the official code differ, this follows the official code: IPFL runs on the
 * embeddings (cosines with fixed unit weight vectors), not on the patch features; IPFL's positive and negative are
 * image centers from a momentum memory and cyclic ranking runs inside the batch ({@link CyclicRanking},
 * {@link org.reidspark.loss.IpflLoss}); PEDAL reads the original views only; the surrogate adds a hue jitter of 0.1
 * ({@code ColorJitter(0.2, 0.2, 0.2, 0.1)}) and each view gets its own random flip. Departures: SGD with Nesterov
 * momentum (DL4J has no plain momentum SGD); the patch generation network's learning-rate factor applied after the
 * step ({@link LayerFactors}); the bank's initial pass is epoch 0 of training ({@code reid.paul.bank-init}); the
 * supervised pre-training has one constant factor for the patch generation network instead of the official
 * per-epoch rates, and one base rate for backbone and heads (the official 0.01 and 0.1).
 */
public final class PaulMethod implements Method {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "paul";
    public static final String NETWORK = "paul";
    /** The surrogate view of every training image (unsupervised mode). */
    public static final String SURROGATE = "surrogate";
    /** Keyed state: the patch memory bank. */
    public static final String PATCH_BANK = "patch-bank";
    /** Keyed state: IPFL's image memory (image centers). */
    public static final String IMAGE_MEMORY = "image-memory";

    private final PaulConfig config;

    public PaulMethod(PaulConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PaulConfig config() {
        return config;
    }

    @Override
    public TrainingInputs trainingInputs() {
        Augmentation base = new Augmentation(config.input(), config.augment());
        if (!config.unsupervised()) {
            return TrainingInputs.of(TrainingInputs.identities(config.sampler().p(), config.sampler().k()), base);
        }
        Map<String, ImageTransform> views = new LinkedHashMap<>();
        views.put(Batch.IMAGES, base);
        if (config.surrogates().isEmpty()) {
            views.put(SURROGATE, new SurrogateView(config.surrogate(), base));
        } else {
            views.put(SURROGATE, new StoredSurrogateView(base, config.surrogates()));
        }
        return new TrainingInputs(TrainingInputs.random(config.batchSize()), views, List.of(), config.surrogates());
    }

    NetworkOptions options(long seed, DataType type) {
        return new NetworkOptions(seed, type, new Nesterovs(config.lr(), config.momentum()), config.weightDecay());
    }

    @Override
    public TrainingState initialize(TrainingData data, long seed, Storage storage) {
        return initialize(data, seed, storage, DataType.FLOAT);
    }

    /** As {@link #initialize(TrainingData, long, Storage)} in the given type (DOUBLE for gradient checks). */
    TrainingState initialize(TrainingData data, long seed, Storage storage, DataType type) {
        int classes = config.unsupervised() ? 0 : data.identities();
        TrainingState state = new TrainingState(new NetworkSet().put(NETWORK, PaulNetwork.build(config, classes, options(seed, type), storage)));
        if (config.unsupervised()) {
            long[] keys = data.trainKeys();
            state.putAux(PATCH_BANK, BankState.empty(keys, config.patches() * config.patchDim(), type));
            state.putAux(IMAGE_MEMORY, BankState.empty(keys, config.patches() * config.embeddingDim(), type));
        }
        return state;
    }

    @Override
    public Step step(TrainingData data, long seed) {
        return config.unsupervised() ? new PaulUnsupervisedStep(config) : new PaulSupervisedStep(config);
    }

    @Override
    public LearningRates learningRates() {
        return LearningRates.of(NETWORK, config.lr());
    }

    @Override
    public TestNetwork testNetwork(NetworkSet networks) {
        return new PaulTestNetwork(networks.get(NETWORK), config.patches(), config.unsupervised());
    }
}
