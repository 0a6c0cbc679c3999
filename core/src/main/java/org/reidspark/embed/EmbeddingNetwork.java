package org.reidspark.embed;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * The test network of methods whose test feature is one output of one graph (BoT, CAL: the BNNeck
 * {@code embedding}, https://arxiv.org/abs/1903.07071): images {@code [B, 3, H, W]} -> that output {@code [B, D]},
 * summed over views, L2-normalized; compared with {@code reid.eval.metric} (cosine by default).
 */
public final class EmbeddingNetwork implements TestNetwork {
    /** The trained graph's inference copy ({@link InferenceFolding}), made on first use. */
    private final Supplier<ComputationGraph> graph;
    private final int outputIndex;

    /** @param output the graph output that is the test feature */
    public EmbeddingNetwork(ComputationGraph graph, String output) {
        this.graph = InferenceFolding.onFirstUse(graph);
        this.outputIndex = ReidNetwork.outputIndex(graph, output);
    }

    @Override
    public List<String> arrays() {
        return List.of(TestFeatures.EMBEDDING);
    }

    @Override
    public Map<String, INDArray> forward(INDArray images) {
        ComputationGraph g = graph.get();
        INDArray x = images.castTo(g.getConfiguration().getDataType());
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(TestFeatures.EMBEDDING, g.output(false, x)[outputIndex].dup());
        return out;
    }

    @Override
    public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(TestFeatures.EMBEDDING, ReidNetwork.l2Normalize(sum.get(TestFeatures.EMBEDDING)));
        return out;
    }

    @Override
    public Matching matching(Metric configured) {
        return Matching.embedding(configured);
    }
}
