package org.reidspark.method.paul;

import org.reidspark.model.LayerFactors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.batch.Batch;
import org.reidspark.loss.BatchHardTriplet;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step of PAUL's supervised pre-training (https://arxiv.org/abs/1904.01308, section 4.1; official
 * {@code src/train/supervised_train.py}, {@code train}, on {@code PatchNet}), images {@code [B, 3, H, W]} with identity
 * labels:
 * <ul>
 *   <li>the per-patch cross-entropies on {@code patch<i>.logits} {@code [B, classes]}, <em>summed</em> over the M
 *       patches ({@code torch.sum(torch.stack([criterion(logits, target) ...]))});</li>
 *   <li>plus {@code triplet-weight} (0.1) times the triplet of the official {@code TripletHard(margin=1, norm=True)}
 *       on the concatenated embeddings {@code [B, M*e]}, L2-normalized: Euclidean distances, the hardest negative
 *       and, as positive, the nearest other image of the identity ({@code same[1]}). The official batch is 48 images
 *       each with one other image of its identity ({@code true_pair}), so each anchor has one positive; here P x K
 *       batches with K = 2 give the same, and this uses {@link BatchHardTriplet} (hardest positive), which for K = 2
 *       is that triplet (the official {@code 1e-5} inside the square root is left out).</li>
 * </ul>
 * One SGD step; the patch generation network at {@code pgn-lr-factor} ({@link LayerFactors}; the official schedule
 * gives it rate 0 for epochs 0-24 and 40-59 and 1e-5 from 25 to 39, against 0.1 for the heads: this project has one
 * constant factor). Reported terms: {@code loss}, {@code id} (the sum over patches), {@code triplet} (unweighted).
 */
final class PaulSupervisedStep implements Step {
    private final PaulConfig config;
    private final LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0);
    private final BatchHardTriplet triplet;
    private final LayerFactors factors;

    PaulSupervisedStep(PaulConfig config) {
        this.config = config;
        this.triplet = new BatchHardTriplet(config.supervised().tripletMargin(), false);
        Map<String, Double> f = new LinkedHashMap<>();
        for (String layer : PaulNetwork.PGN_LAYERS) f.put(layer, config.pgnLrFactor());
        this.factors = new LayerFactors(f);
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph graph = state.network(PaulMethod.NETWORK);
        DataType type = graph.getConfiguration().getDataType();
        int m = config.patches();
        Map<String, INDArray> out = ExternalBackprop.forward(graph, batch.images().castTo(type));
        Targets targets = Targets.of(batch.labels());
        Map<String, INDArray> eps = new HashMap<>();
        double id = 0;
        for (int p = 0; p < m; p++) {
            LossResult r = ce.compute(out.get(PaulNetwork.logits(p)), targets);
            id += r.value();
            eps.put(PaulNetwork.logits(p), r.gradient().castTo(type));
        }
        double tri = 0;
        double w = config.supervised().tripletWeight();
        if (w > 0) {
            INDArray[] e = new INDArray[m];
            for (int p = 0; p < m; p++) e[p] = out.get(PaulNetwork.embedding(p));
            INDArray joined = Nd4j.hstack(e);
            INDArray unit = PatchFeatures.unit(joined);
            LossResult t = triplet.compute(unit, targets);
            tri = t.value();
            INDArray g = PatchFeatures.unitBackward(joined, unit, t.gradient().castTo(type).muli(w));
            long ed = config.embeddingDim();
            for (int p = 0; p < m; p++) eps.put(PaulNetwork.embedding(p), PatchFeatures.block(g, p, ed));
        }
        double total = id + w * tri;
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", total);
        terms.put("id", id);
        terms.put("triplet", tri);
        if (!Double.isFinite(total)) {
            ExternalBackprop.clear(graph);
            return terms;
        }
        factors.update(graph, ExternalBackprop.backward(graph, out, eps));
        return terms;
    }
}
