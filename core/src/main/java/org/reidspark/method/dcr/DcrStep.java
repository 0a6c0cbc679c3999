package org.reidspark.method.dcr;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.data.batch.Batch;
import org.reidspark.loss.BatchHardTriplet;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.PartAlignment;
import org.reidspark.loss.StripeOverlap;
import org.reidspark.loss.Targets;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.layer.GumbelStripes;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One DCR update (https://doi.org/10.1016/j.neucom.2024.128723) on the {@link DcrNetwork} graph, images
 * {@code [B, 3, H, W]} in training mode:
 * <ul>
 *   <li>identity: label-smoothed cross-entropy on every branch's logits {@code [B, classes]}, averaged over the
 *       branches (the official {@code losses}), plus the soft-margin batch-hard triplet on the concatenation of the
 *       branches' pre-BN features {@code [B, branches * C]} (the official neck feature "before", margin 0);</li>
 *   <li>stripe-wise regularization: the part probabilities {@code [B, K + 1, h, w]} (background left out) become
 *       straight-through Gumbel-Softmax stripes {@code [B, K, h]} ({@link GumbelStripes}, noise seeded from the step's
 *       seed, so a run reproduces) whose pairwise overlap ({@link StripeOverlap}) is penalized;</li>
 *   <li>self-refinement: the stripes times the detached foreground map {@code [B, 1, h, w]} give the part pseudo-labels
 *       ({@link PseudoLabels}); the locator is aligned to them pixel by pixel ({@link PartAlignment});</li>
 *   <li>during the first {@code freeze-epochs} epochs every ResNet layer keeps its parameters and BatchNorm statistics
 *       (the official {@code FREEZE_LAYERS} / {@code FREEZE_ITERS}): they are put back after each update (their Adam
 *       moments still see the weight decay).</li>
 * </ul>
 * External-error backprop and one Adam step. Reported terms: {@code loss} (the weighted total), {@code id},
 * {@code triplet}, {@code overlap}, {@code alignment} (each unweighted). A non-finite loss skips the update.
 */
final class DcrStep implements Step {
    private final DcrConfig config;
    private final List<String> branches;
    private final List<String> resnetLayers;
    private final LabelSmoothingCrossEntropy ce;
    private final BatchHardTriplet triplet = new BatchHardTriplet(1, true);
    private final GumbelStripes stripes;
    private final StripeOverlap overlap = new StripeOverlap();
    private final PartAlignment alignment = new PartAlignment();

    DcrStep(DcrConfig config, List<String> resnetLayers) {
        this.config = config;
        this.branches = DcrNetwork.branches(config.parts());
        this.resnetLayers = List.copyOf(resnetLayers);
        this.ce = new LabelSmoothingCrossEntropy(config.loss().labelSmoothing());
        DcrConfig.Stripes s = config.stripes();
        this.stripes = new GumbelStripes(s.temperature(), s.smoothing(), s.dilation(), s.border());
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph graph = state.network(DcrMethod.NETWORK);
        // Frozen epochs: the ResNet layers' parameters (BatchNorm statistics included) are put back after the update.
        // Not a learning rate of 0: DL4J 1.0.0-M2.1 throws a NullPointerException when a layer at or before a
        // BatchNormalization gets its own rate (docs/methods.md).
        Map<String, INDArray> frozen = new LinkedHashMap<>();
        if (context.epoch() < config.freezeEpochs()) {
            for (String layer : resnetLayers) {
                INDArray p = graph.getLayer(layer).params();
                if (p != null && p.length() > 0) frozen.put(layer, p.dup());
            }
        }
        INDArray images = batch.images().castTo(graph.getConfiguration().getDataType());
        Map<String, INDArray> out = ExternalBackprop.forward(graph, images);
        Targets targets = Targets.of(batch.labels());
        Map<String, INDArray> eps = new HashMap<>();
        DcrConfig.Losses w = config.loss();
        int nb = branches.size();

        double id = 0;
        for (String b : branches) {
            LossResult r = ce.compute(out.get(DcrNetwork.logits(b)), targets);
            id += r.value() / nb;
            eps.put(DcrNetwork.logits(b), r.gradient().muli(w.id() / nb));
        }
        INDArray[] features = new INDArray[nb];
        for (int i = 0; i < nb; i++) features[i] = out.get(DcrNetwork.feature(branches.get(i)));
        INDArray joined = Nd4j.hstack(features);
        LossResult tri = triplet.compute(joined, targets);
        long c = features[0].size(1);
        for (int i = 0; i < nb; i++) {
            eps.put(DcrNetwork.feature(branches.get(i)),
                    tri.gradient().get(NDArrayIndex.all(), NDArrayIndex.interval(i * c, (i + 1) * c)).mul(w.triplet()));
        }

        INDArray probs = out.get(DcrNetwork.PART_PROBS);
        int k = config.parts();
        INDArray partProbs = probs.get(NDArrayIndex.all(), NDArrayIndex.interval(1, k + 1), NDArrayIndex.all(), NDArrayIndex.all()).dup();
        GumbelStripes.Result s = stripes.forward(partProbs,
                GumbelStripes.noise(context.seed(), (int) probs.size(0), k, (int) probs.size(2)));
        LossResult ov = overlap.compute(s.stripes(), Targets.unlabeled());
        INDArray partTargets = PseudoLabels.targets(s.stripes(), out.get(DcrNetwork.FOREGROUND), config.pseudo());
        LossResult al = alignment.compute(probs, Targets.unlabeled().with(PartAlignment.TARGET, partTargets));
        INDArray dProbs = al.gradient().muli(w.alignment());
        dProbs.get(NDArrayIndex.all(), NDArrayIndex.interval(1, k + 1), NDArrayIndex.all(), NDArrayIndex.all())
                .addi(stripes.backward(s, ov.gradient()).muli(w.stripe()));
        eps.put(DcrNetwork.PART_PROBS, dProbs);

        double total = w.id() * id + w.triplet() * tri.value() + w.stripe() * ov.value() + w.alignment() * al.value();
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", total);
        terms.put("id", id);
        terms.put("triplet", tri.value());
        terms.put("overlap", ov.value());
        terms.put("alignment", al.value());
        if (!Double.isFinite(total)) {
            ExternalBackprop.clear(graph);
            return terms;
        }
        Gradient gradient = ExternalBackprop.backward(graph, out, eps);
        ExternalBackprop.update(graph, gradient);
        frozen.forEach((layer, p) -> graph.getLayer(layer).params().assign(p));
        return terms;
    }
}
