package org.reidspark.method.bot;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.reidspark.loss.CenterLoss;
import org.reidspark.loss.LossConfig;
import org.reidspark.method.Method;
import org.reidspark.method.MethodSetup;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.train.DenseState;
import org.reidspark.train.MergeRule;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.util.Map;

/**
 * BoT, "Bag of Tricks and a Strong Baseline for Deep Person Re-identification" (Luo et al., CVPR-W 2019,
 * https://arxiv.org/abs/1903.07071): a ResNet with last stride 1, BNNeck, label-smoothed identity
 * cross-entropy + batch-hard triplet (margin 0.3) + center loss (weight 5e-4, center SGD lr 0.5), Adam with
 * warm-up. One network, {@code reid}: input {@code [B, 3, H, W]}; outputs {@code feature} {@code [B, C]} (pre-BN,
 * triplet and center), {@code logits} {@code [B, classes]}, {@code embedding} {@code [B, C]} (post-BN, test).
 * Auxiliary state: {@code centers} {@code [classes, C]}, averaged across workers.
 */
public final class BotMethod implements Method {
    public static final String NETWORK = "reid";
    public static final String CENTERS = "centers";

    @Override
    public String name() {
        return "bot";
    }

    static ModelConfig model(MethodSetup setup) {
        return ModelConfig.from(setup.config());
    }

    static int featureDim(ModelConfig model) {
        return ResNet.outputChannels(Backbones.byName(model.backbone()), model.width());
    }

    @Override
    public TrainingState initialize(MethodSetup setup) {
        BotConfig bot = BotConfig.from(setup.config());
        ModelConfig model = model(setup);
        NetworkOptions options = NetworkOptions.bot(setup.seed()).withUpdater(new Adam(bot.lr()));
        options = new NetworkOptions(options.seed(), options.dataType(), options.updater(), bot.weightDecay());
        ComputationGraph graph = ReidNetwork.build(model, setup.trainIdentities(), options, setup.storage());
        TrainingState state = new TrainingState(new NetworkSet().put(NETWORK, graph));
        LossConfig loss = LossConfig.from(setup.config());
        if (loss.centerWeight() > 0) {
            CenterLoss centers = new CenterLoss(setup.trainIdentities(), featureDim(model), loss.centerLr(),
                    setup.seed() + 17, graph.getConfiguration().getDataType());
            state.putAux(CENTERS, new DenseState(centers.centers(), MergeRule.AVERAGE));
        }
        return state;
    }

    @Override
    public Step step(MethodSetup setup) {
        ModelConfig model = model(setup);
        return new BotStep(LossConfig.from(setup.config()), setup.trainIdentities(), featureDim(model), setup.seed());
    }

    @Override
    public Map<String, Double> baseLearningRates(MethodSetup setup) {
        return Map.of(NETWORK, BotConfig.from(setup.config()).lr());
    }

    @Override
    public ComputationGraph inferenceNetwork(TrainingState state) {
        return state.network(NETWORK);
    }
}
