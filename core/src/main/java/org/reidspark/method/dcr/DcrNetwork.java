package org.reidspark.method.dcr;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.artifact.Storage;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.PretrainedWeights;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.Implementations;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.backbone.ResNetSpec;
import org.reidspark.model.head.BNNeck;
import org.reidspark.model.layer.ChannelGeM;
import org.reidspark.model.layer.ChannelSoftmax;
import org.reidspark.model.layer.MaskedMapVertex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * DCR's network (Yang and Xu, Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723), one DL4J graph laid
 * out as the official {@code GSS} model (github.com/DeepAlchemist/differentiable-categorical-region,
 * {@code fastreid/modeling/meta_arch/GSS.py}, {@code split_backbone}): a ResNet with last stride 1 cut in three,
 * <ul>
 *   <li>trunk: stem, layer1, layer2 and the first half of layer3's blocks -> the mid-level map {@code M0 [B, C3, h, w]}
 *       (ResNet-50 at 384x128: 1024 x 24 x 8; h is a 16th of the input height);</li>
 *   <li>middle: the rest of layer3 and all of layer4 but its last block -> {@code M [B, C4, h, w]};</li>
 *   <li>the last block of layer4, once per branch.</li>
 * </ul>
 * On {@code M0}: the part locator, a gated {@link ChannelGeM} with K + 1 maps (background + K parts; the official
 * {@code SegHead}), a BatchNorm and a {@link ChannelSoftmax} -> {@value #PART_PROBS} {@code [B, K + 1, h, w]}; and the
 * foreground perception head, an ungated {@link ChannelGeM} (GeM norm over channels), a one-channel BatchNorm and a
 * sigmoid -> {@value #FOREGROUND} {@code [B, 1, h, w]} (the official {@code SoftNorm}).
 * Branches, each with its own copy of the last block (initialized as a copy of it, as the official
 * {@code deepcopy}) and its own BNNeck head ({@link BNNeck}: average pool, BatchNorm without shift, bias-free
 * classifier): {@value #GLOBAL} on {@code M}; {@value #FG} on {@code M} times the detached foreground map normalized
 * over the whole map; part k ({@code part1} .. {@code partK}) on {@code M} times the detached probability of part k
 * normalized over each column's height ({@link MaskedMapVertex}).
 *
 * <p>Outputs, in order: per branch {@code <branch>.feature} {@code [B, C4]} (pre-BN, triplet),
 * {@code <branch>.logits} {@code [B, classes]} (cross-entropy), {@code <branch>.embedding} {@code [B, C4]} (test);
 * then {@value #PART_PROBS} and {@value #FOREGROUND}.
 */
public final class DcrNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(DcrNetwork.class);
    public static final String INPUT = "input";
    public static final String GLOBAL = "global";
    public static final String FG = "fg";
    public static final String PART_PROBS = "part-probs";
    public static final String FOREGROUND = "foreground";

    private DcrNetwork() {
    }

    /** The branch names in output order: global, foreground, part1 .. partK. */
    public static List<String> branches(int parts) {
        List<String> b = new ArrayList<>(List.of(GLOBAL, FG));
        for (int k = 1; k <= parts; k++) b.add(part(k));
        return b;
    }

    /** Branch name of part {@code k} (1-based). */
    public static String part(int k) {
        return "part" + k;
    }

    public static String feature(String branch) {
        return branch + "." + BNNeck.FEATURE;
    }

    public static String logits(String branch) {
        return branch + "." + BNNeck.LOGITS;
    }

    public static String embedding(String branch) {
        return branch + "." + BNNeck.EMBEDDING;
    }

    /**
     * The graph and the names of its ResNet layers (trunk, middle, and every branch's copy of the last block: what
     * {@code freeze-epochs} holds fixed).
     */
    public record Built(ComputationGraph graph, List<String> resnetLayers) {
    }

    /** The block where the trunk ends: after layer1, layer2 and half of layer3. */
    static int trunkBlocks(ResNetSpec spec) {
        return spec.blocks().get(0) + spec.blocks().get(1) + spec.blocks().get(2) / 2;
    }

    /** What {@link #configure} added: the graph's configuration and the layer lists. */
    private record Layout(ComputationGraphConfiguration.GraphBuilder builder, List<String> backbone, List<String> lastBlock,
                          List<String> resnet) {
    }

    /**
     * @param classes training identities
     * @param storage reads {@code model.pretrained()} (the backbone's weights; the branches' blocks copy the last block)
     */
    public static Built build(ModelConfig model, int parts, int classes, NetworkOptions options, Storage storage) {
        Layout layout = configure(model, parts, classes, options);
        ComputationGraph graph = new ComputationGraph(layout.builder().build());
        graph.init();
        PretrainedWeights.loadConfigured(graph, layout.backbone(), model, storage);
        for (String branch : branches(parts)) {
            if (branch.equals(GLOBAL)) continue;
            for (String layer : layout.lastBlock()) {
                Layer copy = graph.getLayer(branch + "." + layer);
                copy.setParams(graph.getLayer(layer).params().dup());
            }
        }
        LOG.info("built DCR on {} (width {}, {}x{} input, {} parts, mid-level map {} rows): {} trainable parameters, {} classes",
                model.backbone(), model.width(), model.inputHeight(), model.inputWidth(), parts,
                DcrConfig.mapRows(model.inputHeight()), ReidNetwork.trainableParams(graph), classes);
        return new Built(graph, layout.resnet());
    }

    /** The names of the ResNet layers of the network {@link #build} makes (trunk, middle, every copy of the last block). */
    public static List<String> resnetLayers(ModelConfig model, int parts) {
        return configure(model, parts, 2, NetworkOptions.bot(0)).resnet();
    }

    private static Layout configure(ModelConfig model, int parts, int classes, NetworkOptions options) {
        ResNetSpec spec = Backbones.byName(model.backbone());
        String impl = model.implementation();
        double width = model.width();
        int last = ResNet.blockCount(spec) - 1;
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.convolutional(model.inputHeight(), model.inputWidth(), 3));
        ResNet.Output stem = ResNet.addStem(g, INPUT, width, impl);
        ResNet.Output trunk = ResNet.addBlocks(g, stem.output(), spec, width, 1, impl, 0, trunkBlocks(spec), "");
        ResNet.Output middle = ResNet.addBlocks(g, trunk.output(), spec, width, 1, impl, trunkBlocks(spec), last, "");
        ResNet.Output global = ResNet.addBlocks(g, middle.output(), spec, width, 1, impl, last, last + 1, "");
        List<String> backbone = new ArrayList<>(stem.layers());
        backbone.addAll(trunk.layers());
        backbone.addAll(middle.layers());
        backbone.addAll(global.layers());
        List<String> resnet = new ArrayList<>(backbone);

        g.addLayer("locator.gem", ChannelGeM.Builder.gated(parts + 1).build(), trunk.output());
        g.addLayer("locator.bn", Implementations.batchNorm(impl, ResNet.batchNorm().build()), "locator.gem");
        g.addLayer("locator.softmax", new ChannelSoftmax(), "locator.bn");
        g.addLayer(PART_PROBS, identity(), "locator.softmax");
        g.addLayer("foreground.gem", ChannelGeM.Builder.ungated().build(), trunk.output());
        g.addLayer("foreground.bn", Implementations.batchNorm(impl, ResNet.batchNorm().build()), "foreground.gem");
        g.addLayer("foreground.sigmoid", new ActivationLayer.Builder().activation(Activation.SIGMOID).build(), "foreground.bn");
        g.addLayer(FOREGROUND, identity(), "foreground.sigmoid");

        List<String> outputs = new ArrayList<>();
        int channels = global.channels();
        for (String branch : branches(parts)) {
            String map = global.output();
            if (!branch.equals(GLOBAL)) {
                String masked = branch + ".masked";
                if (branch.equals(FG)) {
                    g.addVertex(masked, new MaskedMapVertex(0, "all"), middle.output(), "foreground.sigmoid");
                } else {
                    int k = Integer.parseInt(branch.substring("part".length()));
                    g.addVertex(masked, new MaskedMapVertex(k, "height"), middle.output(), "locator.softmax");
                }
                ResNet.Output copy = ResNet.addBlocks(g, masked, spec, width, 1, impl, last, last + 1, branch + ".");
                resnet.addAll(copy.layers());
                map = copy.output();
            }
            BNNeck.addTo(g, branch + ".", map, channels, classes, true, BNNeck.Pooling.AVG);
            outputs.add(feature(branch));
            outputs.add(logits(branch));
            outputs.add(embedding(branch));
        }
        outputs.add(PART_PROBS);
        outputs.add(FOREGROUND);
        g.setOutputs(outputs.toArray(new String[0]));
        return new Layout(g, List.copyOf(backbone), global.layers(), List.copyOf(resnet));
    }

    private static ActivationLayer identity() {
        return new ActivationLayer.Builder().activation(Activation.IDENTITY).build();
    }
}
