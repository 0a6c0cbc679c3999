package org.reidspark.method.dcr;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
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
 * DCR's test features (https://doi.org/10.1016/j.neucom.2024.128723; the official {@code MultiHead} at test time and
 * {@code PartialReIDEvaluator}), from the {@link DcrNetwork} graph in inference mode:
 * <ul>
 *   <li>{@link TestFeatures#EMBEDDING} {@code [N, (K + 2) C]}: the global, foreground and part embeddings (after each
 *       branch's BatchNorm), each L2-normalized, concatenated and L2-normalized again (so cosine on it is the mean of
 *       the branches' cosines: the paper's holistic matching);</li>
 *   <li>{@link TestFeatures#PARTS} {@code [N, K C]}: the K part embeddings, each L2-normalized;</li>
 *   <li>{@link TestFeatures#VISIBILITY} {@code [N, K]}: part k's visibility, the fraction of the map's positions whose
 *       most probable class (of background and the K parts) is part k (the official code counts those positions;
 *       the per-image scale cancels in the weighted distance).</li>
 * </ul>
 * With flip averaging the raw outputs of both views are summed before the normalizations and the visibility is their
 * mean. Matching by {@code reid.dcr.matching}: {@code visible-parts} ({@link Matching.VisibleParts}, part distances
 * weighted by {@code vis_q * vis_g}), {@code parts} (cosine of the concatenated unit part features: the unweighted
 * mean of the part distances), {@code holistic} (cosine of the embedding). {@code reid.eval.metric} is not read:
 * every rule here is cosine, as in the paper.
 */
final class DcrTestNetwork implements TestNetwork {
    /** The trained graph's inference copy ({@link InferenceFolding}), made on first use. */
    private final Supplier<ComputationGraph> graph;
    private final int parts;
    private final String matching;
    private final List<String> branches;
    private final int[] embeddingIndex;
    private final int probsIndex;

    DcrTestNetwork(ComputationGraph graph, int parts, String matching) {
        this.graph = InferenceFolding.onFirstUse(graph);
        this.parts = parts;
        this.matching = matching;
        this.branches = DcrNetwork.branches(parts);
        this.embeddingIndex = new int[branches.size()];
        for (int i = 0; i < branches.size(); i++) embeddingIndex[i] = ReidNetwork.outputIndex(graph, DcrNetwork.embedding(branches.get(i)));
        this.probsIndex = ReidNetwork.outputIndex(graph, DcrNetwork.PART_PROBS);
    }

    @Override
    public List<String> arrays() {
        return List.of(TestFeatures.EMBEDDING, TestFeatures.PARTS, TestFeatures.VISIBILITY);
    }

    @Override
    public Map<String, INDArray> forward(INDArray images) {
        ComputationGraph g = graph.get();
        INDArray[] out = g.output(false, images.castTo(g.getConfiguration().getDataType()));
        INDArray[] all = new INDArray[branches.size()];
        for (int i = 0; i < all.length; i++) all[i] = out[embeddingIndex[i]];
        Map<String, INDArray> f = new LinkedHashMap<>();
        f.put(TestFeatures.EMBEDDING, Nd4j.hstack(all));
        f.put(TestFeatures.PARTS, Nd4j.hstack(java.util.Arrays.copyOfRange(all, 2, all.length)));
        f.put(TestFeatures.VISIBILITY, visibility(out[probsIndex]));
        return f;
    }

    /** Part visibility {@code [B, K]} from the locator's probabilities {@code [B, K + 1, h, w]}. */
    static INDArray visibility(INDArray probs) {
        INDArray winner = probs.argMax(1);                     // [B, h, w]
        long b = probs.size(0);
        int k = (int) probs.size(1) - 1;
        double positions = (double) probs.size(2) * probs.size(3);
        INDArray vis = Nd4j.create(probs.dataType(), b, k);
        for (int p = 1; p <= k; p++) {
            INDArray count = winner.eq(p).castTo(probs.dataType()).sum(1, 2);   // [B]
            vis.get(NDArrayIndex.all(), NDArrayIndex.point(p - 1)).assign(count.divi(positions));
        }
        return vis;
    }

    /** Each consecutive block of {@code width} columns of {@code x} L2-normalized. */
    private static INDArray normalizeBlocks(INDArray x, int blocks) {
        long width = x.size(1) / blocks;
        INDArray[] parts = new INDArray[blocks];
        for (int i = 0; i < blocks; i++) {
            parts[i] = ReidNetwork.l2Normalize(x.get(NDArrayIndex.all(), NDArrayIndex.interval(i * width, (i + 1) * width)));
        }
        return Nd4j.hstack(parts);
    }

    @Override
    public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
        Map<String, INDArray> f = new LinkedHashMap<>();
        f.put(TestFeatures.EMBEDDING, ReidNetwork.l2Normalize(normalizeBlocks(sum.get(TestFeatures.EMBEDDING), branches.size())));
        f.put(TestFeatures.PARTS, normalizeBlocks(sum.get(TestFeatures.PARTS), parts));
        f.put(TestFeatures.VISIBILITY, sum.get(TestFeatures.VISIBILITY).div(views));
        return f;
    }

    @Override
    public Matching matching(Metric configured) {
        return switch (matching) {
            case "visible-parts" -> new Matching.VisibleParts(parts);
            case "parts" -> new Matching.ByEmbedding(TestFeatures.PARTS, Metric.COSINE);
            case "holistic" -> new Matching.ByEmbedding(TestFeatures.EMBEDDING, Metric.COSINE);
            default -> throw new IllegalStateException("unknown DCR matching " + matching);
        };
    }
}
