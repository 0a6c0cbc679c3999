package org.reidspark.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.artifact.Storage;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.head.BNNeck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The re-ID network of BoT ("Bag of Tricks and a Strong Baseline for Deep Person Re-identification", Luo et al.,
 * https://arxiv.org/abs/1903.07071) as ONE DL4J {@code ComputationGraph}: a {@link ResNet} backbone and the
 * {@link BNNeck} head.
 *
 * <p>Input {@value #INPUT}: images {@code [B, 3, H, W]} (NCHW, {@code H x W} = the configured input size; any size
 * works, the head pools globally). Outputs, in this order: {@link BNNeck#FEATURE} {@code [B, C]} (pre-BN, for the
 * triplet and center losses), {@link BNNeck#LOGITS} {@code [B, numClasses]} (for the cross-entropy) and
 * {@link BNNeck#EMBEDDING} {@code [B, C]} (the test feature). The graph has no DL4J output layer: losses are computed
 * outside on these outputs and their gradients fed back through {@link ExternalBackprop}.
 */
public final class ReidNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(ReidNetwork.class);

    /** The graph's one input vertex. */
    public static final String INPUT = "input";

    private ReidNetwork() {
    }

    /**
     * Builds and initializes the network, then loads {@code model.pretrained()} into the backbone if set.
     *
     * @param numClasses training identities (classifier outputs)
     * @param storage    reads the pretrained file (local or any Hadoop URI); may be null when none is configured
     */
    public static ComputationGraph build(ModelConfig model, int numClasses, NetworkOptions options, Storage storage) {
        return build(model, numClasses, options, storage, BNNeck.Pooling.AVG);
    }

    /**
     * As {@link #build(ModelConfig, int, NetworkOptions, Storage)} with the head's global pooling (CAL:
     * {@link BNNeck.Pooling#MAX_AVG}, whose feature and embedding are twice the backbone's channels).
     */
    public static ComputationGraph build(ModelConfig model, int numClasses, NetworkOptions options, Storage storage,
                                         BNNeck.Pooling pooling) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.convolutional(model.inputHeight(), model.inputWidth(), 3));
        ResNet.Output backbone = ResNet.addTo(g, INPUT, Backbones.byName(model.backbone()), model.width(), model.lastStride(),
                model.implementation());
        BNNeck.addTo(g, "", backbone.output(), backbone.channels(), numClasses, model.bnneck(), pooling);
        g.setOutputs(BNNeck.OUTPUTS.toArray(new String[0]));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        LOG.info("built {} (width {}, last stride {}, {}x{} input, bnneck {}, {} pooling, {} layers): {} trainable parameters, {} classes",
                model.backbone(), model.width(), model.lastStride(), model.inputHeight(), model.inputWidth(),
                model.bnneck(), pooling.name().toLowerCase(java.util.Locale.ROOT), model.implementation(), trainableParams(graph), numClasses);
        PretrainedWeights.loadConfigured(graph, backbone.layers(), model, storage);
        return graph;
    }

    /** The backbone's parameter-holding layer names for {@code model}, in order (what pretrained weights fill). */
    public static List<String> backboneLayers(ModelConfig model) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(NetworkOptions.bot(0)).addInputs(INPUT);
        return ResNet.addTo(g, INPUT, Backbones.byName(model.backbone()), model.width(), model.lastStride()).layers();
    }

    /**
     * Parameters an optimizer trains: all of the graph's parameters except BatchNorm's running mean and variance
     * (which DL4J stores among the parameters). Comparable to PyTorch's {@code sum(p.numel() for p in
     * model.parameters())}.
     */
    public static long trainableParams(ComputationGraph graph) {
        long n = 0;
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            boolean bn = layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (bn && !p.getKey().equals("gamma") && !p.getKey().equals("beta")) continue;
                n += p.getValue().length();
            }
        }
        return n;
    }

    /** Index of output {@code name} among the graph's outputs. */
    public static int outputIndex(ComputationGraph graph, String name) {
        int i = graph.getConfiguration().getNetworkOutputs().indexOf(name);
        if (i < 0) throw new IllegalArgumentException("graph has no output \"" + name + "\"; outputs: "
                + graph.getConfiguration().getNetworkOutputs());
        return i;
    }

    /**
     * Test-time embeddings: the {@link BNNeck#EMBEDDING} output in inference mode (running BatchNorm statistics),
     * L2-normalized per row.
     *
     * @param images {@code [B, 3, H, W]}
     * @return {@code [B, C]}, each row of unit length (a zero row stays zero)
     */
    public static INDArray embed(ComputationGraph graph, INDArray images) {
        INDArray e = graph.output(false, images)[outputIndex(graph, BNNeck.EMBEDDING)];
        return l2Normalize(e);
    }

    /** Rows of {@code x} {@code [B, C]} scaled to unit L2 norm (a new array; norms below 1e-12 count as 1e-12, like PyTorch's {@code F.normalize}). */
    public static INDArray l2Normalize(INDArray x) {
        INDArray norms = Transforms.max(x.norm2(1).reshape(x.size(0), 1), 1e-12, false);
        return x.divColumnVector(norms);
    }
}
