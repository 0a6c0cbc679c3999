package org.reidspark.model.dgnet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;

import java.util.List;

/**
 * DG-Net's appearance encoder {@code Ea} with its two identity heads, as one DL4J graph (Zheng et al., "Joint
 * Discriminative and Generative Learning for Person Re-identification", CVPR 2019, https://arxiv.org/abs/1904.07223;
 * official code github.com/NVlabs/DG-Net {@code reIDmodel.py} {@code ft_netAB} with {@code pool: max}, followed as
 * docs/dgnet-official-code.md section 1.1 describes it).
 *
 * <p>Input {@code input [B, 3, H, W]}; the project's ResNet backbone ({@code reid.model}) to the map
 * {@code [B, C, h, w]} ({@code h} divisible by {@link #STRIPES}). Outputs:
 * <ul>
 *   <li>{@code "appearance"} {@code [B, 4C]}: the map max-pooled in 4 horizontal stripes ({@code partpool}, an
 *       adaptive max pool to 4x1), flattened channel-major (index {@code c * 4 + stripe}) as the official
 *       {@code f.view(N, -1)}: the code whose chunk k drives the decoder's residual block k;</li>
 *   <li>for each head, {@code "primary"} (the official {@code classifier1}, dropout 0.5) and {@code "fine"}
 *       ({@code classifier2}, dropout 0.75): the official {@code ClassBlock} on the global max-pooled {@code [B, C]}
 *       feature, a linear bottleneck to {@code bottleneck} values (kaiming normal, fan out, bias 0), BatchNorm,
 *       {@code "<head>_feature"} {@code [B, bottleneck]} (the test feature's half), dropout, then the classifier
 *       with a bias, N(0, 0.001), {@code "<head>_logits"} {@code [B, classes]}.</li>
 * </ul>
 */
public final class DgNetAppearance {
    /** Horizontal stripes of the appearance code (the official {@code AdaptiveMaxPool2d((4, 1))}). */
    public static final int STRIPES = 4;
    public static final String INPUT = "input";
    public static final String APPEARANCE = "appearance";
    public static final String PRIMARY = "primary";
    public static final String FINE = "fine";
    /** The official dropout rates of the primary and the fine-grained head. */
    public static final double PRIMARY_DROPOUT = 0.5;
    public static final double FINE_DROPOUT = 0.75;

    private DgNetAppearance() {
    }

    /** {@code head}'s BatchNorm'd bottleneck, half of the test feature. */
    public static String feature(String head) {
        return head + "_feature";
    }

    /** {@code head}'s identity logits. */
    public static String logits(String head) {
        return head + "_logits";
    }

    /** The layers with parameters of {@code head}'s {@code ClassBlock}: bottleneck, BatchNorm, classifier. */
    public static List<String> headLayers(String head) {
        return List.of(head + "_bottleneck", head + "_bn", logits(head));
    }

    /** The outputs, in order. */
    public static List<String> outputs() {
        return List.of(APPEARANCE, feature(PRIMARY), logits(PRIMARY), feature(FINE), logits(FINE));
    }

    /**
     * Ea for {@code model}'s backbone and input, {@code classes} training identities, heads of {@code bottleneck}
     * values (512 officially) with dropout rates {@code primaryDropout} and {@code fineDropout} (the official 0.5 and
     * 0.75; 0 = none).
     */
    public static ComputationGraphConfiguration of(ModelConfig model, int classes, int bottleneck, double primaryDropout,
                                                   double fineDropout, NetworkOptions options) {
        if (classes < 2) throw new IllegalArgumentException("the heads need at least 2 classes, got " + classes);
        int h = ResNet.outputSize(model.inputHeight(), model.lastStride());
        int w = ResNet.outputSize(model.inputWidth(), model.lastStride());
        if (h % STRIPES != 0) {
            throw new IllegalArgumentException("the appearance code pools the backbone's map in " + STRIPES + " stripes, and a "
                    + model.inputHeight() + "x" + model.inputWidth() + " input with last stride " + model.lastStride()
                    + " gives a map of " + h + " rows: use an input height whose map has a multiple of " + STRIPES + " rows");
        }
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.convolutional(model.inputHeight(), model.inputWidth(), 3));
        ResNet.Output backbone = ResNet.addTo(g, INPUT, Backbones.byName(model.backbone()), model.width(), model.lastStride(),
                model.implementation());
        int c = backbone.channels();
        g.addLayer("partpool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(h / STRIPES, w)
                .stride(h / STRIPES, w).build(), backbone.output());
        g.addVertex(APPEARANCE, new PreprocessorVertex(new CnnToFeedForwardPreProcessor(STRIPES, 1, c)), "partpool");
        g.addLayer("globalmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).collapseDimensions(true).build(), backbone.output());
        head(g, PRIMARY, c, bottleneck, classes, primaryDropout);
        head(g, FINE, c, bottleneck, classes, fineDropout);
        g.setOutputs(outputs().toArray(new String[0]));
        return g.build();
    }

    /** The official {@code ClassBlock(C, classes, dropout, relu=False, num_bottleneck)} on the global max pool. */
    private static void head(ComputationGraphConfiguration.GraphBuilder g, String name, int channels, int bottleneck, int classes,
                             double dropout) {
        if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException(name + " head dropout must be in [0, 1), got " + dropout);
        g.addLayer(name + "_bottleneck", new DenseLayer.Builder().nIn(channels).nOut(bottleneck).activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2.0 / bottleneck)))).biasInit(0)
                .build(), "globalmax");
        g.addLayer(name + "_bn", ResNet.batchNorm().nIn(bottleneck).nOut(bottleneck).build(), name + "_bottleneck");
        // outputs are leaf vertices (ExternalBackprop sets an output's error): the feature is an identity copy
        g.addLayer(feature(name), new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), name + "_bn");
        DenseLayer.Builder classifier = new DenseLayer.Builder().nIn(bottleneck).nOut(classes).activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, 0.001))).biasInit(0);
        if (dropout > 0) classifier.dropOut(1 - dropout); // DL4J's dropOut takes the probability of keeping a value
        g.addLayer(logits(name), classifier.build(), name + "_bn");
    }
}
