package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The ResNet family (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016,
 * https://arxiv.org/abs/1512.03385) in torchvision's layout, built into a DL4J {@code ComputationGraph}:
 * a 7x7 stride-2 stem convolution with BatchNorm and ReLU, 3x3 stride-2 max pooling, then four stages
 * {@code layer1..layer4} of basic or bottleneck blocks (bottlenecks take their stride in the 3x3 convolution,
 * "ResNet v1.5") with planes {@code w, 2w, 4w, 8w} for base width {@code w = round(64 * width)}. Stages 2 and 3
 * halve the resolution; stage 4 halves it only with last stride 2 (BoT uses 1). Convolutions have no bias;
 * BatchNorm has eps 1e-5 and running-average momentum 0.1 (DL4J decay 0.9), like PyTorch.
 *
 * <p>Shapes (channels first, NCHW): input {@code [B, 3, H, W]} -> feature map {@code [B, C, h, w]} with
 * {@code C = 8 * w * expansion} (2048 for ResNet-50, 512 for ResNet-18/34 at width 1) and {@code h} = H halved
 * (rounding up) five times, or four with last stride 1: 256x128 -> 8x4, or 16x8 with last stride 1.
 *
 * <p>Vertex names follow torchvision's state dict ({@code conv1}, {@code bn1}, {@code layer3.5.conv2},
 * {@code layer2.0.downsample.0} ...), which is what lets {@link org.reidspark.model.PretrainedWeights} map a
 * torchvision checkpoint onto the graph by name. Global pooling is not part of the backbone; the head pools.
 */
public final class ResNet {
    /** The eps of every BatchNorm (PyTorch's default). */
    public static final double BN_EPS = 1e-5;
    /** DL4J's running-average decay; PyTorch's momentum 0.1. */
    public static final double BN_DECAY = 0.9;

    private ResNet() {
    }

    /**
     * What {@link #addTo} added.
     *
     * @param output   the vertex holding the final feature map {@code [B, channels, h, w]}
     * @param channels channels of that map
     * @param layers   names of every backbone layer that holds parameters, in order
     */
    public record Output(String output, int channels, List<String> layers) {
        public Output {
            layers = List.copyOf(layers);
        }
    }

    /** Base width {@code round(64 * width)}, at least 1. */
    public static int baseWidth(double width) {
        return Math.max(1, (int) Math.round(64 * width));
    }

    /** Channels of the final feature map. */
    public static int outputChannels(ResNetSpec spec, double width) {
        return baseWidth(width) * 8 * spec.expansion();
    }

    /** Height (or width) of the final feature map for an input of {@code size} pixels. */
    public static int outputSize(int size, int lastStride) {
        int s = size;
        int halvings = lastStride == 1 ? 4 : 5;
        for (int i = 0; i < halvings; i++) s = (s + 1) / 2;
        return s;
    }

    /**
     * Adds the backbone to {@code g}, reading images from vertex {@code input}.
     *
     * @param lastStride stride of stage 4: 1 or 2
     */
    public static Output addTo(ComputationGraphConfiguration.GraphBuilder g, String input, ResNetSpec spec,
                               double width, int lastStride) {
        return addTo(g, input, spec, width, lastStride, Implementations.DEFAULT);
    }

    /**
     * Adds the backbone to {@code g} with convolutions and BatchNorms of implementation {@code implementation}
     * (an {@link Implementations} name).
     *
     * @param lastStride stride of stage 4: 1 or 2
     */
    public static Output addTo(ComputationGraphConfiguration.GraphBuilder g, String input, ResNetSpec spec,
                               double width, int lastStride, String implementation) {
        Output stem = addStem(g, input, width, implementation);
        Output blocks = addBlocks(g, stem.output(), spec, width, lastStride, implementation, 0, blockCount(spec), "");
        List<String> layers = new ArrayList<>(stem.layers());
        layers.addAll(blocks.layers());
        return new Output(blocks.output(), blocks.channels(), layers);
    }

    /**
     * Adds the stem: the 7x7 stride-2 convolution {@code conv1}, {@code bn1}, ReLU and 3x3 stride-2 max pooling
     * ({@code [B, 3, H, W]} -> {@code [B, w, H/4, W/4]}).
     */
    public static Output addStem(ComputationGraphConfiguration.GraphBuilder g, String input, double width, String implementation) {
        Implementations.check(implementation);
        List<String> layers = new ArrayList<>();
        int base = baseWidth(width);
        String x = conv(g, "conv1", input, base, 7, 2, layers, implementation);
        x = bn(g, "bn1", x, layers, implementation);
        x = relu(g, "relu", x, implementation);
        g.addLayer("maxpool", Implementations.pooling(implementation, new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).build()), x);
        return new Output("maxpool", base, layers);
    }

    /** Blocks over the four stages ({@code layer1.0} is block 0, the last block of {@code layer4} is the last). */
    public static int blockCount(ResNetSpec spec) {
        return spec.blocks().stream().mapToInt(Integer::intValue).sum();
    }

    /** The torchvision name of block {@code index} (counted over all stages), e.g. {@code layer3.1}. */
    public static String blockName(ResNetSpec spec, int index) {
        int[] sb = stageAndBlock(spec, index);
        return "layer" + (sb[0] + 1) + "." + sb[1];
    }

    /** Input channels of block {@code index} (counted over all stages). */
    public static int blockInputChannels(ResNetSpec spec, double width, int index) {
        int[] sb = stageAndBlock(spec, index);
        int base = baseWidth(width);
        if (sb[1] > 0) return (base << sb[0]) * spec.expansion();
        return sb[0] == 0 ? base : (base << (sb[0] - 1)) * spec.expansion();
    }

    private static int[] stageAndBlock(ResNetSpec spec, int index) {
        if (index < 0 || index >= blockCount(spec)) {
            throw new IllegalArgumentException(spec.name() + " has blocks 0.." + (blockCount(spec) - 1) + ", not " + index);
        }
        int i = index;
        for (int stage = 0; stage < 4; stage++) {
            if (i < spec.blocks().get(stage)) return new int[] {stage, i};
            i -= spec.blocks().get(stage);
        }
        throw new IllegalStateException();
    }

    /**
     * Adds blocks {@code from} (inclusive) to {@code to} (exclusive), counted over all stages, reading vertex
     * {@code input} (the output of block {@code from - 1}, or of the stem for block 0), each vertex named
     * {@code prefix} + its torchvision name (so {@code "part1."} builds a second copy of a block beside the first).
     * The first block of stages 2 and 3 halves the resolution, that of stage 4 by {@code lastStride}.
     */
    public static Output addBlocks(ComputationGraphConfiguration.GraphBuilder g, String input, ResNetSpec spec, double width,
                                   int lastStride, String implementation, int from, int to, String prefix) {
        Implementations.check(implementation);
        if (lastStride != 1 && lastStride != 2) throw new IllegalArgumentException("last stride must be 1 or 2, got " + lastStride);
        if (from < 0 || to > blockCount(spec) || from >= to) {
            throw new IllegalArgumentException("blocks [" + from + ", " + to + ") of " + spec.name() + ", which has " + blockCount(spec));
        }
        List<String> layers = new ArrayList<>();
        int base = baseWidth(width);
        String x = input;
        int in = blockInputChannels(spec, width, from);
        for (int index = from; index < to; index++) {
            int[] sb = stageAndBlock(spec, index);
            int stage = sb[0];
            int planes = base << stage;
            int stride = sb[1] > 0 || stage == 0 ? 1 : stage == 3 ? lastStride : 2;
            String name = prefix + blockName(spec, index);
            x = spec.bottleneck() ? bottleneck(g, name, x, in, planes, stride, layers, implementation)
                    : basic(g, name, x, in, planes, stride, layers, implementation);
            in = planes * spec.expansion();
        }
        return new Output(x, in, layers);
    }

    /**
     * A standalone backbone graph (input {@code "input"} -> feature map), for exchanging backbone weights and for
     * counting parameters. Its only output is the final feature map.
     */
    public static org.deeplearning4j.nn.graph.ComputationGraph graph(ModelConfig model, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = baseBuilder(options).addInputs("input")
                .setInputTypes(InputType.convolutional(model.inputHeight(), model.inputWidth(), 3));
        Output out = addTo(g, "input", Backbones.byName(model.backbone()), model.width(), model.lastStride(),
                model.implementation());
        g.setOutputs(out.output());
        org.deeplearning4j.nn.graph.ComputationGraph graph = new org.deeplearning4j.nn.graph.ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** The DL4J configuration every network of the project starts from: seed, type, optimizer, L2, padding rule. */
    public static ComputationGraphConfiguration.GraphBuilder baseBuilder(NetworkOptions options) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(options.seed())
                .dataType(options.dataType())
                .updater(options.updater())
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(WorkspaceMode.NONE);
        if (options.weightDecay() > 0) b.l2(options.weightDecay());
        return b.graphBuilder();
    }

    private static String basic(ComputationGraphConfiguration.GraphBuilder g, String name, String x, int in, int planes,
                                int stride, List<String> layers, String cv) {
        String y = conv(g, name + ".conv1", x, planes, 3, stride, layers, cv);
        y = relu(g, name + ".relu1", bn(g, name + ".bn1", y, layers, cv), cv);
        y = conv(g, name + ".conv2", y, planes, 3, 1, layers, cv);
        y = bn(g, name + ".bn2", y, layers, cv);
        return residual(g, name, x, y, in, planes, stride, layers, cv);
    }

    private static String bottleneck(ComputationGraphConfiguration.GraphBuilder g, String name, String x, int in,
                                     int planes, int stride, List<String> layers, String cv) {
        String y = conv(g, name + ".conv1", x, planes, 1, 1, layers, cv);
        y = relu(g, name + ".relu1", bn(g, name + ".bn1", y, layers, cv), cv);
        y = conv(g, name + ".conv2", y, planes, 3, stride, layers, cv);
        y = relu(g, name + ".relu2", bn(g, name + ".bn2", y, layers, cv), cv);
        y = conv(g, name + ".conv3", y, planes * 4, 1, 1, layers, cv);
        y = bn(g, name + ".bn3", y, layers, cv);
        return residual(g, name, x, y, in, planes * 4, stride, layers, cv);
    }

    private static String residual(ComputationGraphConfiguration.GraphBuilder g, String name, String x, String y, int in,
                                   int out, int stride, List<String> layers, String cv) {
        String shortcut = x;
        if (stride != 1 || in != out) {
            shortcut = conv(g, name + ".downsample.0", x, out, 1, stride, layers, cv);
            shortcut = bn(g, name + ".downsample.1", shortcut, layers, cv);
        }
        // y, the block's last BatchNorm output, is read by nothing else: the sum may overwrite it
        g.addVertex(name + ".add", Implementations.addIntoFirst(cv), y, shortcut);
        return relu(g, name + ".relu", name + ".add", cv);
    }

    /** k x k convolution, no bias, padding k/2; He-normal initialization on fan-out as in torchvision. */
    private static String conv(ComputationGraphConfiguration.GraphBuilder g, String name, String x, int out, int k,
                               int stride, List<String> layers, String implementation) {
        double std = Math.sqrt(2.0 / ((double) out * k * k));
        g.addLayer(name, Implementations.convolution(implementation, k).stride(stride, stride).padding(k / 2, k / 2)
                .nOut(out).hasBias(false).activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, std))).build(), x);
        layers.add(name);
        return name;
    }

    private static String bn(ComputationGraphConfiguration.GraphBuilder g, String name, String x, List<String> layers,
                             String implementation) {
        g.addLayer(name, Implementations.batchNorm(implementation, batchNorm().build()), x);
        layers.add(name);
        return name;
    }

    /** BatchNorm as PyTorch configures it: eps 1e-5, momentum 0.1, the running variance stored as is. */
    public static BatchNormalization.Builder batchNorm() {
        return new BatchNormalization.Builder().eps(BN_EPS).decay(BN_DECAY).useLogStd(false);
    }

    private static String relu(ComputationGraphConfiguration.GraphBuilder g, String name, String x, String implementation) {
        // every ReLU here reads a BatchNorm's output or a residual sum that nothing else reads: in place
        g.addLayer(name, Implementations.relu(implementation, true), x);
        return name;
    }
}
