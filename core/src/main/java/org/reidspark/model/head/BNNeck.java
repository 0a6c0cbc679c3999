package org.reidspark.model.head;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.model.backbone.ResNet;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The BNNeck head of "Bag of Tricks and a Strong Baseline for Deep Person Re-identification" (Luo et al., CVPR-W
 * 2019, https://arxiv.org/abs/1903.07071): global average pooling of the backbone's feature map gives the feature
 * {@code f_t} that the triplet and center losses see; a BatchNorm without a learned shift (its beta is held at 0,
 * its scale is learned) gives {@code f_i}; a bias-free linear classifier on {@code f_i} gives the identity logits.
 * At test time the embedding is {@code f_i}, compared by cosine ({@link org.reidspark.model.ReidNetwork#embed}
 * L2-normalizes it).
 *
 * <p>With {@code bnneck = false} (BoT's ablation baseline) the classifier, with a bias, reads {@code f_t}
 * directly and the embedding is {@code f_t}. With {@link Pooling#MAX_AVG} (CAL, https://arxiv.org/abs/2204.06890) the
 * pooled feature is global max pooling and global average pooling concatenated, twice the channels wide.
 *
 * <p>Shapes: feature map {@code [B, C, h, w]} -> {@value #FEATURE} {@code [B, C]}, {@value #LOGITS}
 * {@code [B, numClasses]}, {@value #EMBEDDING} {@code [B, C]}. The three are graph outputs, in that order, and
 * each is a leaf vertex: DL4J's external-error backprop overwrites (instead of adding to) the error of an output
 * vertex that also feeds another vertex, so {@value #FEATURE} and {@value #EMBEDDING} are identity layers on the
 * pooled and normalized features.
 */
public final class BNNeck {
    /** Pooled feature before the BatchNorm, {@code [B, C]}: input of the triplet and center losses. */
    public static final String FEATURE = "feature";
    /** Identity logits {@code [B, numClasses]} (the classifier layer itself): input of the cross-entropy. */
    public static final String LOGITS = "logits";
    /** The test-time feature {@code [B, C]} (after the BatchNorm), not normalized. */
    public static final String EMBEDDING = "embedding";
    /** Graph outputs in order. */
    public static final List<String> OUTPUTS = List.of(FEATURE, LOGITS, EMBEDDING);

    /** Vertex names inside the head. */
    public static final String POOL = "avgpool";
    /** With {@link Pooling#MAX_AVG}: the max pooling and the concatenation of max and average. */
    public static final String MAX_POOL = "globalmaxpool";
    public static final String CONCAT = "maxavgpool";
    public static final String BN = "bnneck";

    /**
     * The global pooling of the feature map: {@link #AVG} (BoT) gives {@code [B, C]}; {@link #MAX_AVG} (CAL's
     * {@code MaxAvgPooling}, https://arxiv.org/abs/2204.06890) concatenates global max and global average pooling,
     * max first as the official code does, {@code [B, 2C]}.
     */
    public enum Pooling {
        AVG, MAX_AVG;

        /** Feature width after pooling {@code channels} channels. */
        public int width(int channels) {
            return this == AVG ? channels : 2 * channels;
        }
    }

    /** Standard deviation of the classifier's initial weights (BoT: normal, std 0.001). */
    public static final double CLASSIFIER_INIT_STD = 0.001;

    private BNNeck() {
    }

    /**
     * Adds the head reading the feature map from vertex {@code featureMap} with {@code channels} channels.
     * Does not call {@code setOutputs}; the caller sets {@link #OUTPUTS}.
     *
     * @return names of the head's layers that hold parameters
     */
    public static List<String> addTo(ComputationGraphConfiguration.GraphBuilder g, String featureMap, int channels,
                                     int numClasses, boolean bnneck) {
        return addTo(g, "", featureMap, channels, numClasses, bnneck, Pooling.AVG);
    }

    /**
     * As {@link #addTo(ComputationGraphConfiguration.GraphBuilder, String, int, int, boolean)} with every vertex name
     * prefixed by {@code prefix} (a network with several heads, one per branch: {@code prefix + FEATURE} ...) and the
     * given pooling; the feature, BatchNorm and classifier are {@code pooling.width(channels)} wide.
     */
    public static List<String> addTo(ComputationGraphConfiguration.GraphBuilder g, String prefix, String featureMap, int channels,
                                     int numClasses, boolean bnneck, Pooling pooling) {
        if (numClasses < 2) throw new IllegalArgumentException("the classifier needs at least 2 classes, got " + numClasses);
        List<String> layers = new ArrayList<>();
        g.addLayer(prefix + POOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), featureMap);
        String pooled = prefix + POOL;
        if (pooling == Pooling.MAX_AVG) {
            g.addLayer(prefix + MAX_POOL, new GlobalPoolingLayer.Builder(PoolingType.MAX).collapseDimensions(true).build(), featureMap);
            g.addVertex(prefix + CONCAT, new MergeVertex(), prefix + MAX_POOL, prefix + POOL);
            pooled = prefix + CONCAT;
        }
        channels = pooling.width(channels);
        g.addLayer(prefix + FEATURE, identity(), pooled);
        String classifierInput = pooled;
        if (bnneck) {
            g.addLayer(prefix + BN, shiftFreeBatchNorm(channels), pooled);
            layers.add(prefix + BN);
            classifierInput = prefix + BN;
        }
        g.addLayer(prefix + LOGITS, new DenseLayer.Builder().nIn(channels).nOut(numClasses).hasBias(!bnneck)
                .activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, CLASSIFIER_INIT_STD))).build(), classifierInput);
        layers.add(prefix + LOGITS);
        g.addLayer(prefix + EMBEDDING, identity(), classifierInput);
        return layers;
    }

    /**
     * BatchNorm whose shift (beta) is held at zero by a {@link ZeroConstraint}. Set on the built layer: in DL4J
     * 1.0.0-M2.1 {@code BatchNormalization.Builder.constrainBeta} is silently dropped (the built layer has no
     * constraints).
     */
    static BatchNormalization shiftFreeBatchNorm(int channels) {
        BatchNormalization bn = ResNet.batchNorm().nIn(channels).nOut(channels).build();
        ZeroConstraint zero = new ZeroConstraint();
        zero.setParams(Set.of(BatchNormalizationParamInitializer.BETA));
        bn.setConstraints(List.of(zero));
        return bn;
    }

    private static ActivationLayer identity() {
        return new ActivationLayer.Builder().activation(Activation.IDENTITY).build();
    }
}
