package org.reidspark.method.cal;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.batch.Batch;
import org.reidspark.loss.CenterLoss;
import org.reidspark.loss.ClothesAdversarialLoss;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.ReidLosses;
import org.reidspark.loss.Scaled;
import org.reidspark.loss.Targets;
import org.reidspark.loss.WeightedLoss;
import org.reidspark.method.TrainingData;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One CAL update, as the official code's {@code train_cal} ({@code guxinqian/Simple-CCReID}, https://arxiv.org/abs/2204.06890):
 * <ol>
 *   <li>forward the images {@code [B, 3, H, W]} through the re-ID network (training mode);</li>
 *   <li>the clothes classifier on the <em>detached</em> embedding {@code [B, 2C]}: cross-entropy of its cosines times
 *       s ({@code clothes}); from {@code reid.cal.start-epoch} on, one step of its own optimizer;</li>
 *   <li>the updated, now fixed, clothes classifier on the embedding again: CAL ({@link ClothesAdversarialLoss}) with the
 *       batch's own clothes classes and its identities' positive mask {@code [B, clothes classes]}, whose gradient
 *       flows back through the classifier into the embedding only (the classifier is not updated by it);</li>
 *   <li>the re-ID network's loss: label-smoothed identity cross-entropy on the logits, batch-hard triplet (and
 *       center loss where configured) on the pre-BN feature, plus {@code adversarial-weight} x CAL from the start
 *       epoch on; one Adam step.</li>
 * </ol>
 * Before the start epoch the network trains as the baseline (the clothes classifier is evaluated for the log only).
 * Reported terms: {@code loss} (the re-ID network's total), {@code id}, {@code triplet} ({@code center}),
 * {@code clothes} (the classifier's cross-entropy), {@code cal} (CAL's value, computed every step for the log),
 * {@code clothes-acc} (the classifier's accuracy on the batch, on detached features, before its update).
 * A non-finite loss skips the update and is reported, so the trainer's guard stops the run.
 */
final class CalStep implements Step {
    private final CalConfig config;
    private final TrainingData data;
    private final WeightedLoss idLoss;
    private final CenterLoss centerLoss;
    private final Scaled clothesLoss;
    private final ClothesAdversarialLoss adversarial;

    CalStep(CalConfig config, TrainingData data) {
        this.config = config;
        this.data = data;
        this.idLoss = ReidLosses.build(config.loss());
        this.centerLoss = (CenterLoss) idLoss.loss(ReidLosses.CENTER);
        this.clothesLoss = new Scaled(new LabelSmoothingCrossEntropy(0), config.scale());
        this.adversarial = new ClothesAdversarialLoss(config.scale(), config.epsilon());
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph reid = state.network(CalMethod.NETWORK);
        ComputationGraph clothes = state.network(CalMethod.CLOTHES);
        boolean active = context.epoch() >= config.startEpoch();
        INDArray images = batch.images().castTo(reid.getConfiguration().getDataType());
        int[] labels = batch.labels();
        int[] clothesIds = data.clothesOf(batch.keys());

        Map<String, INDArray> out = ExternalBackprop.forward(reid, images);
        INDArray embedding = out.get(BNNeck.EMBEDDING);
        Targets targets = Targets.of(labels);
        INDArray centers = centerLoss == null ? null : state.dense(CalMethod.CENTERS).value();
        if (centers != null) targets = targets.with(CenterLoss.CENTERS, centers);
        WeightedLoss.Result id = idLoss.compute(out, targets);

        // (2) the clothes classifier on the detached embedding
        Map<String, INDArray> c1 = ExternalBackprop.forward(clothes, embedding.dup());
        INDArray cosines = c1.get(CalMethod.COSINE);
        LossResult clo = clothesLoss.compute(cosines, Targets.of(clothesIds));
        double accuracy = accuracy(cosines, clothesIds);

        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", Double.NaN);
        terms.putAll(id.terms());
        terms.put("clothes", clo.value());
        if (!Double.isFinite(id.total()) || !Double.isFinite(clo.value())) {
            terms.put("loss", id.total());
            ExternalBackprop.clear(reid);
            ExternalBackprop.clear(clothes);
            return terms;
        }
        if (active) {
            ExternalBackprop.update(clothes, ExternalBackprop.backward(clothes, c1, Map.of(CalMethod.COSINE, clo.gradient())));
        } else {
            ExternalBackprop.clear(clothes);
        }

        // (3) CAL through the (updated) classifier into the embedding
        Targets calTargets = Targets.of(clothesIds).with(ClothesAdversarialLoss.POSITIVE_MASK,
                data.positiveMask(labels, embedding.dataType()));
        Map<String, INDArray> epsilons = new LinkedHashMap<>(id.epsilons());
        double total = id.total();
        double calValue;
        if (active && config.adversarialWeight() > 0) {
            Map<String, INDArray> c2 = ExternalBackprop.forward(clothes, embedding.dup());
            LossResult cal = adversarial.compute(c2.get(CalMethod.COSINE), calTargets);
            calValue = cal.value();
            if (Double.isFinite(calValue)) {
                INDArray dEmbedding = ExternalBackprop.backwardToInputs(clothes, c2,
                        Map.of(CalMethod.COSINE, cal.gradient().muli(config.adversarialWeight()))).inputGradient(CalMethod.CLOTHES_INPUT);
                epsilons.merge(BNNeck.EMBEDDING, dEmbedding, INDArray::addi);
            } else {
                ExternalBackprop.clear(clothes);
            }
            total += config.adversarialWeight() * calValue;
        } else {
            calValue = adversarial.compute(clothes.output(false, embedding)[0], calTargets).value();
        }
        terms.put("loss", total);
        terms.put("cal", calValue);
        terms.put("clothes-acc", accuracy);
        if (!Double.isFinite(total)) {
            ExternalBackprop.clear(reid);
            return terms;
        }

        // (4) the re-ID network
        INDArray feature = centers == null ? null : out.get(BNNeck.FEATURE).dup();
        ExternalBackprop.update(reid, ExternalBackprop.backward(reid, out, epsilons));
        if (centers != null) centerLoss.updateCenters(feature, labels, centers);
        return terms;
    }

    /** The fraction of rows whose largest cosine is at their own class. */
    static double accuracy(INDArray cosines, int[] classes) {
        int[] best = cosines.argMax(1).toIntVector();
        int right = 0;
        for (int i = 0; i < classes.length; i++) if (best[i] == classes[i]) right++;
        return (double) right / classes.length;
    }
}
