package org.reidspark.method.toy;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.Matching;
import org.reidspark.eval.Metric;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.ReidNetwork;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The toy's test features: the embedding {@code [B, C]}; two parts, the encoder's map averaged over its upper and its
 * lower half, {@code [B, 2C]}, each L2-normalized; and each part's visibility {@code [B, 2]}, its mean activation
 * over the larger of the two (in [0, 1]). Matched by {@link Matching.VisibleParts}.
 */
final class ToyTestNetwork implements TestNetwork {
    private final ComputationGraph encoder;
    private final int map;
    private final int embedding;

    ToyTestNetwork(ComputationGraph encoder) {
        this.encoder = encoder;
        this.map = ReidNetwork.outputIndex(encoder, ToyNetworks.MAP);
        this.embedding = ReidNetwork.outputIndex(encoder, ToyNetworks.EMBEDDING);
    }

    @Override
    public List<String> arrays() {
        return List.of(TestFeatures.EMBEDDING, TestFeatures.PARTS, TestFeatures.VISIBILITY);
    }

    @Override
    public Map<String, INDArray> forward(INDArray images) {
        INDArray[] out = encoder.output(false, images.castTo(encoder.getConfiguration().getDataType()));
        INDArray m = out[map];
        long h = m.size(2);
        INDArray upper = m.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, h / 2), NDArrayIndex.all()).mean(2, 3);
        INDArray lower = m.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(h / 2, h), NDArrayIndex.all()).mean(2, 3);
        Map<String, INDArray> f = new LinkedHashMap<>();
        f.put(TestFeatures.EMBEDDING, out[embedding].dup());
        f.put(TestFeatures.PARTS, org.nd4j.linalg.factory.Nd4j.hstack(upper, lower));
        f.put(TestFeatures.VISIBILITY, org.nd4j.linalg.factory.Nd4j.hstack(upper.mean(1).reshape(-1, 1), lower.mean(1).reshape(-1, 1)));
        return f;
    }

    @Override
    public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
        Map<String, INDArray> f = new LinkedHashMap<>();
        f.put(TestFeatures.EMBEDDING, ReidNetwork.l2Normalize(sum.get(TestFeatures.EMBEDDING)));
        INDArray parts = sum.get(TestFeatures.PARTS);
        long c = parts.size(1) / 2;
        f.put(TestFeatures.PARTS, org.nd4j.linalg.factory.Nd4j.hstack(
                ReidNetwork.l2Normalize(parts.get(NDArrayIndex.all(), NDArrayIndex.interval(0, c))),
                ReidNetwork.l2Normalize(parts.get(NDArrayIndex.all(), NDArrayIndex.interval(c, 2 * c)))));
        INDArray vis = sum.get(TestFeatures.VISIBILITY);
        INDArray max = Transforms.max(vis.max(1).reshape(-1, 1), 1e-12, false);
        f.put(TestFeatures.VISIBILITY, vis.divColumnVector(max));
        return f;
    }

    @Override
    public Matching matching(Metric configured) {
        return new Matching.VisibleParts(2);
    }
}
