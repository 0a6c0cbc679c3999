package org.reidspark.method.paul;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.Matching;
import org.reidspark.eval.Metric;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.InferenceFolding;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * PAUL's test feature (https://arxiv.org/abs/1904.01308; official {@code unsupervised_train.py}, {@code extract}, and
 * {@code evaluate.py}): the {@link PaulNetwork} in inference mode, the M patch features {@code patch<i>.feature}
 * {@code [B, d]} concatenated into {@link TestFeatures#EMBEDDING} {@code [B, M*d]}. Unsupervised mode
 * ({@code PatchNetUn} with {@code is_for_test}): each patch feature L2-normalized before the concatenation (with flip
 * averaging, after summing the two views); supervised mode ({@code PatchNet}): the patch features as they are (after
 * the ReLU), concatenated. Compared with {@code reid.eval.metric}; the official evaluation uses cosine
 * ({@code utils.metric.cosine}).
 */
final class PaulTestNetwork implements TestNetwork {
    /** The trained graph's inference copy ({@link InferenceFolding}), made on first use. */
    private final Supplier<ComputationGraph> graph;
    private final int patches;
    private final boolean normalizePatches;
    private final int[] index;

    PaulTestNetwork(ComputationGraph graph, int patches, boolean normalizePatches) {
        this.graph = InferenceFolding.onFirstUse(graph);
        this.patches = patches;
        this.normalizePatches = normalizePatches;
        this.index = new int[patches];
        for (int p = 0; p < patches; p++) index[p] = ReidNetwork.outputIndex(graph, PaulNetwork.feature(p));
    }

    @Override
    public List<String> arrays() {
        return List.of(TestFeatures.EMBEDDING);
    }

    @Override
    public Map<String, INDArray> forward(INDArray images) {
        ComputationGraph g = graph.get();
        INDArray[] out = g.output(false, images.castTo(g.getConfiguration().getDataType()));
        INDArray[] f = new INDArray[patches];
        for (int p = 0; p < patches; p++) f[p] = out[index[p]];
        Map<String, INDArray> r = new LinkedHashMap<>();
        r.put(TestFeatures.EMBEDDING, Nd4j.hstack(f));
        return r;
    }

    @Override
    public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
        INDArray s = sum.get(TestFeatures.EMBEDDING);
        Map<String, INDArray> r = new LinkedHashMap<>();
        if (!normalizePatches) {
            r.put(TestFeatures.EMBEDDING, s.div(views));
            return r;
        }
        long d = s.size(1) / patches;
        INDArray[] f = new INDArray[patches];
        for (int p = 0; p < patches; p++) f[p] = PatchFeatures.unit(PatchFeatures.block(s, p, d));
        r.put(TestFeatures.EMBEDDING, Nd4j.hstack(f));
        return r;
    }

    @Override
    public Matching matching(Metric configured) {
        return Matching.embedding(configured);
    }
}
