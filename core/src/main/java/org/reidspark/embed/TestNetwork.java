package org.reidspark.embed;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.eval.Matching;
import org.reidspark.eval.Metric;
import org.reidspark.eval.TestFeatures;

import java.util.List;
import java.util.Map;

/**
 * A method's test-time computation on its trained networks: normalized images {@code [B, 3, H, W]} in, the
 * method's {@link TestFeatures} arrays out (always {@link TestFeatures#EMBEDDING} {@code [B, D]}; DCR adds parts and
 * visibility), and the {@link Matching} rule that compares them. The {@link Embedder} runs it with the evaluation
 * preprocessing and optional flip averaging; evaluation, the evaluate job and the extract job all go through it.
 * Not thread-safe (DL4J graphs keep per-call state): one instance per thread.
 */
public interface TestNetwork {
    /** The arrays {@link #forward} produces, {@link TestFeatures#EMBEDDING} first. */
    List<String> arrays();

    /**
     * Raw features of a batch in inference mode (running BatchNorm statistics), one {@code [B, d]} array per name of
     * {@link #arrays()}; fresh arrays the caller may change.
     */
    Map<String, INDArray> forward(INDArray images);

    /**
     * The test features from the sum of {@code views} raw outputs of the same images (2 with flip averaging: the image
     * and its mirror), e.g. L2 normalization; may work in place.
     */
    Map<String, INDArray> finish(Map<String, INDArray> sum, int views);

    /** How two images' features are compared; {@code configured} is {@code reid.eval.metric}, for rules that take one. */
    Matching matching(Metric configured);
}
