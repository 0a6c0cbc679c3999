package org.reidspark.method.dgnet;

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
import org.reidspark.model.dgnet.DgNetAppearance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DG-Net's test feature (https://arxiv.org/abs/1904.07223; official {@code reid_eval/test_2label.py}): Ea's primary and
 * fine-grained bottleneck features {@code [B, b]} each (after their BatchNorm, dropout off), summed over the views (the
 * image and its mirror), each L2-normalized, the fine half scaled by {@code sqrt(fineWeight)}: the embedding
 * {@code [B, 2b]} = {@code [L2(p), sqrt(w) L2(f)]}. Its dot product is the official score {@code p.p' + w f.f'}; every
 * embedding has the same norm {@code sqrt(1 + w)}, so cosine (and Euclidean) distance ranks as that score does.
 */
final class DgNetTestNetwork implements TestNetwork {
    /** The trained graph's inference copy ({@link InferenceFolding}), made on first use. */
    private final Supplier<ComputationGraph> appearance;
    private final double fineWeight;
    private final int primary;
    private final int fine;

    DgNetTestNetwork(ComputationGraph appearance, double fineWeight) {
        this.appearance = InferenceFolding.onFirstUse(appearance);
        this.fineWeight = fineWeight;
        this.primary = ReidNetwork.outputIndex(appearance, DgNetAppearance.feature(DgNetAppearance.PRIMARY));
        this.fine = ReidNetwork.outputIndex(appearance, DgNetAppearance.feature(DgNetAppearance.FINE));
    }

    @Override
    public List<String> arrays() {
        return List.of(TestFeatures.EMBEDDING);
    }

    @Override
    public Map<String, INDArray> forward(INDArray images) {
        ComputationGraph g = appearance.get();
        INDArray[] out = g.output(false, images.castTo(g.getConfiguration().getDataType()));
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(TestFeatures.EMBEDDING, Nd4j.hstack(out[primary], out[fine]));
        return m;
    }

    @Override
    public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
        INDArray e = sum.get(TestFeatures.EMBEDDING);
        long half = e.size(1) / 2;
        INDArray p = ReidNetwork.l2Normalize(e.get(NDArrayIndex.all(), NDArrayIndex.interval(0, half)));
        INDArray f = ReidNetwork.l2Normalize(e.get(NDArrayIndex.all(), NDArrayIndex.interval(half, 2 * half))).muli(Math.sqrt(fineWeight));
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(TestFeatures.EMBEDDING, Nd4j.hstack(p, f));
        return m;
    }

    @Override
    public Matching matching(Metric configured) {
        return Matching.embedding(configured);
    }
}
