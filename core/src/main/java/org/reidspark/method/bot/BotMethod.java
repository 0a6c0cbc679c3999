package org.reidspark.method.bot;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.EmbeddingNetwork;
import org.reidspark.embed.TestNetwork;
import org.reidspark.loss.CenterLoss;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.DenseState;
import org.reidspark.train.LearningRates;
import org.reidspark.train.MergeRule;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

/**
 * BoT, "Bag of Tricks and a Strong Baseline for Deep Person Re-identification" (Luo et al., CVPR-W 2019,
 * https://arxiv.org/abs/1903.07071): a ResNet with last stride 1, BNNeck, label-smoothed identity
 * cross-entropy + batch-hard triplet (margin 0.3) + center loss (weight 5e-4, center SGD lr 0.5), Adam with
 * warm-up, P x K batches with flip, pad-crop and random erasing. One network, {@code reid}: input
 * {@code [B, 3, H, W]}; outputs {@code feature} {@code [B, C]} (pre-BN, triplet and center), {@code logits}
 * {@code [B, classes]}, {@code embedding} {@code [B, C]} (post-BN, the test feature, cosine). Auxiliary state:
 * {@code centers} {@code [classes, C]}, averaged across workers.
 */
public final class BotMethod implements Method {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "bot";
    public static final String NETWORK = "reid";
    public static final String CENTERS = "centers";

    private final BotConfig config;

    public BotMethod(BotConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BotConfig config() {
        return config;
    }

    int featureDim() {
        return ResNet.outputChannels(Backbones.byName(config.model().backbone()), config.model().width());
    }

    @Override
    public TrainingInputs trainingInputs() {
        return TrainingInputs.of(TrainingInputs.identities(config.sampler().p(), config.sampler().k()),
                new Augmentation(config.input(), config.augment()));
    }

    @Override
    public TrainingState initialize(TrainingData data, long seed, Storage storage) {
        NetworkOptions options = NetworkOptions.bot(seed).withUpdater(new Adam(config.lr()));
        options = new NetworkOptions(options.seed(), options.dataType(), options.updater(), config.weightDecay());
        ComputationGraph graph = ReidNetwork.build(config.model(), data.identities(), options, storage);
        TrainingState state = new TrainingState(new NetworkSet().put(NETWORK, graph));
        if (config.loss().centerWeight() > 0) {
            state.putAux(CENTERS, new DenseState(CenterLoss.initialCenters(data.identities(), featureDim(), seed + 17,
                    graph.getConfiguration().getDataType()), MergeRule.AVERAGE));
        }
        return state;
    }

    @Override
    public Step step(TrainingData data, long seed) {
        return new BotStep(config.loss());
    }

    @Override
    public LearningRates learningRates() {
        return LearningRates.of(NETWORK, config.lr());
    }

    @Override
    public TestNetwork testNetwork(NetworkSet networks) {
        return new EmbeddingNetwork(networks.get(NETWORK), BNNeck.EMBEDDING);
    }
}
