package org.reidspark.method.bot;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.batch.Batch;
import org.reidspark.loss.CenterLoss;
import org.reidspark.loss.LossConfig;
import org.reidspark.loss.ReidLosses;
import org.reidspark.loss.Targets;
import org.reidspark.loss.WeightedLoss;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One BoT update (https://arxiv.org/abs/1903.07071): forward {@code [B, 3, H, W]} images in training mode,
 * the weighted sum of label-smoothed CE on {@code logits} {@code [B, classes]} and batch-hard triplet + center
 * loss on {@code feature} {@code [B, C]}, external-error backprop and one Adam step, then one SGD step of
 * the centers (the state's {@code centers} {@code [classes, C]}, updated in place) with their own rate.
 * A non-finite loss skips the update and is reported, so the trainer's guard stops the run.
 */
final class BotStep implements Step {
    private final WeightedLoss loss;
    private final CenterLoss centerLoss;

    BotStep(LossConfig config) {
        this.loss = ReidLosses.build(config);
        this.centerLoss = (CenterLoss) loss.loss(ReidLosses.CENTER);
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph graph = state.network(BotMethod.NETWORK);
        INDArray images = batch.images().castTo(graph.getConfiguration().getDataType());
        Map<String, INDArray> outputs = ExternalBackprop.forward(graph, images);
        Targets targets = Targets.of(batch.labels());
        INDArray centers = centerLoss == null ? null : state.dense(BotMethod.CENTERS).value();
        if (centers != null) targets = targets.with(CenterLoss.CENTERS, centers);
        WeightedLoss.Result result = loss.compute(outputs, targets);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", result.total());
        terms.putAll(result.terms());
        if (!Double.isFinite(result.total())) {
            ExternalBackprop.clear(graph);
            return terms;
        }
        INDArray feature = outputs.get(BNNeck.FEATURE).dup();
        Gradient gradient = ExternalBackprop.backward(graph, outputs, result.epsilons());
        ExternalBackprop.update(graph, gradient);
        if (centers != null) centerLoss.updateCenters(feature, batch.labels(), centers);
        return terms;
    }
}
