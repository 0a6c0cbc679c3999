package org.reidspark.model.dgnet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.NativeConvolution;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.norm.AdaptiveInstanceNormVertex;
import org.reidspark.model.norm.InstanceNorm;
import org.reidspark.model.norm.MapLayerNorm;
import org.reidspark.model.norm.ReflectionPad;

/**
 * DG-Net's generator as two DL4J graphs (Zheng et al., "Joint Discriminative and Generative Learning for Person
 * Re-identification", CVPR 2019, https://arxiv.org/abs/1904.07223; official code github.com/NVlabs/DG-Net,
 * {@code networks.py}, followed layer by layer: docs/dgnet-official-code.md sections 1.2 and 1.3). Every convolution is
 * the official {@code Conv2dBlock}: reflection padding ({@link ReflectionPad}), the convolution with a bias (kaiming
 * normal, fan in), then the norm and the activation (LeakyReLU 0.2).
 *
 * <p>{@link #structureEncoder}: {@code Es} on the grayscale image. Input {@code gray [B, 1, H, W]}; convolutions
 * {@code 1 -> d} (3x3, stride 2), {@code d -> 2d}, {@code 2d -> 2d}, {@code 2d -> 4d} (3x3, stride 2), all with
 * {@link InstanceNorm}; {@code resBlocks} residual blocks (conv, IN, lrelu, conv, IN, add); ASPP: a 1x1 branch and one
 * branch per dilation (1x1 with lrelu, then 3x3 dilated), each {@code 4d -> 2d} with IN, concatenated and fused by a
 * 1x1 convolution with IN. Output {@code "structure"}: {@code [B, 8d, H/4, W/4]}, no activation.
 *
 * <p>{@link #decoder}: {@code G(a, s)}. Inputs {@code structure [B, 8d, H/4, W/4]} and {@code appearance [B, n x c]}
 * ({@code n = resBlocks} chunks of {@code c}); residual block k: conv, AdaIN, lrelu, conv, AdaIN, add, its AdaIN scales
 * from the MLP {@code mlp_w(k)} and shifts from {@code mlp_b(k)} of appearance chunk k (each MLP: {@code c -> mlpDim}
 * lrelu, {@code mlpDim -> mlpDim} lrelu, {@code mlpDim -> 2 x 8d}: the block's two AdaIN layers, no "+1"); then twice
 * nearest upsampling x2 and a 5x5 convolution halving the channels with {@link MapLayerNorm} and lrelu; two 3x3
 * convolutions with lrelu; a 1x1 convolution to 3 channels without activation. Output {@code "image"}:
 * {@code [B, 3, H, W]}, linear (in the normalized input space, as the official {@code tanh: false}).
 */
public final class DgNetGenerator {
    /** LeakyReLU slope of every generator activation. */
    public static final double SLOPE = 0.2;

    private DgNetGenerator() {
    }

    private static ConvolutionLayer conv(int in, int out, int kernel, int stride, int dilation) {
        return conv(in, out, kernel, stride, dilation, WeightInit.RELU.getWeightInitFunction());
    }

    /**
     * A convolution with a bias (0 at first), no padding, linear; weights drawn by {@code init}. Undilated ones run on
     * ND4J's native {@code conv2d} ({@link NativeConvolution}, like the backbone's), several times faster than DL4J's
     * im2col path on these maps.
     */
    static ConvolutionLayer conv(int in, int out, int kernel, int stride, int dilation, IWeightInit init) {
        // ND4J's oneDNN conv2d fails on some dilated shapes ("could not create a descriptor for a dilated convolution
        // forward propagation primitive"): the ASPP's dilated convolutions stay on DL4J's own path
        ConvolutionLayer.BaseConvBuilder<?> b = dilation > 1 ? new ConvolutionLayer.Builder(kernel, kernel)
                : new NativeConvolution.Builder(kernel, kernel);
        return (ConvolutionLayer) b.nIn(in).nOut(out).stride(stride, stride).dilation(dilation, dilation)
                .padding(0, 0).activation(Activation.IDENTITY).weightInit(init).biasInit(0).hasBias(true).build();
    }

    static ActivationLayer lrelu() {
        return new ActivationLayer.Builder().activation(new ActivationLReLU(SLOPE)).build();
    }

    /** {@code Conv2dBlock}: reflection pad, conv, then {@code norm} ("in", "ln" or "none") and lrelu if {@code act}. */
    private static String block(ComputationGraphConfiguration.GraphBuilder g, String name, String x, int in, int out, int kernel,
                                int stride, int dilation, String norm, boolean act) {
        return block(g, name, x, in, out, kernel, stride, dilation, norm, act, WeightInit.RELU.getWeightInitFunction());
    }

    /** {@code Conv2dBlock} with the convolution's weights drawn by {@code init}. */
    static String block(ComputationGraphConfiguration.GraphBuilder g, String name, String x, int in, int out, int kernel,
                        int stride, int dilation, String norm, boolean act, IWeightInit init) {
        String cur = x;
        int pad = dilation * (kernel - 1) / 2;
        if (pad > 0) {
            g.addLayer(name + "_pad", new ReflectionPad(pad), cur);
            cur = name + "_pad";
        }
        g.addLayer(name + "_conv", conv(in, out, kernel, stride, dilation, init), cur);
        cur = name + "_conv";
        switch (norm) {
            case "in" -> {
                g.addLayer(name + "_in", new InstanceNorm(), cur);
                cur = name + "_in";
            }
            case "ln" -> {
                g.addLayer(name + "_ln", new MapLayerNorm.Builder().build(), cur);
                cur = name + "_ln";
            }
            case "none" -> {
            }
            default -> throw new IllegalArgumentException("unknown norm " + norm);
        }
        if (act) {
            g.addLayer(name + "_act", lrelu(), cur);
            cur = name + "_act";
        }
        return cur;
    }

    /** The structure encoder {@code Es}: input {@code "gray"}, output {@code "structure"}. */
    public static ComputationGraphConfiguration structureEncoder(GeneratorSpec spec, NetworkOptions options) {
        int d = spec.dim();
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options);
        g.addInputs("gray").setInputTypes(InputType.convolutional(spec.height(), spec.width(), 1));
        String x = block(g, "es1", "gray", 1, d, 3, 2, 1, "in", true);
        x = block(g, "es2", x, d, 2 * d, 3, 1, 1, "in", true);
        x = block(g, "es3", x, 2 * d, 2 * d, 3, 1, 1, "in", true);
        x = block(g, "es4", x, 2 * d, 4 * d, 3, 2, 1, "in", true);
        for (int r = 0; r < spec.resBlocks(); r++) {
            String name = "es_res" + r;
            String y = block(g, name + "a", x, 4 * d, 4 * d, 3, 1, 1, "in", true);
            y = block(g, name + "b", y, 4 * d, 4 * d, 3, 1, 1, "in", false);
            g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), y, x);
            x = name;
        }
        String[] branches = new String[1 + spec.dilations().size()];
        branches[0] = block(g, "aspp1", x, 4 * d, 2 * d, 1, 1, 1, "in", false);
        for (int i = 0; i < spec.dilations().size(); i++) {
            int dil = spec.dilations().get(i);
            String name = "aspp_d" + dil;
            String y = block(g, name + "a", x, 4 * d, 2 * d, 1, 1, 1, "in", true);
            branches[i + 1] = block(g, name + "b", y, 2 * d, 2 * d, 3, 1, dil, "in", false);
        }
        g.addVertex("aspp_cat", new MergeVertex(), branches);
        String fused = block(g, "aspp_fuse", "aspp_cat", 2 * d * branches.length, spec.structureChannels(), 1, 1, 1, "in", false);
        g.addLayer("structure", new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), fused);
        g.setOutputs("structure");
        return g.build();
    }

    /** The decoder {@code G}: inputs {@code "structure"} and {@code "appearance"}, output {@code "image"}. */
    public static ComputationGraphConfiguration decoder(GeneratorSpec spec, NetworkOptions options) {
        int c = spec.structureChannels();
        int chunk = spec.chunk();
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options);
        g.addInputs("structure", "appearance").setInputTypes(InputType.convolutional(spec.height() / 4, spec.width() / 4, c),
                InputType.feedForward(spec.appearanceSize()));
        String x = "structure";
        for (int k = 0; k < spec.resBlocks(); k++) {
            String code = "chunk" + k;
            g.addVertex(code, new SubsetVertex(k * chunk, (k + 1) * chunk - 1), "appearance");
            String scales = mlp(g, "mlp_w" + k, code, spec);
            String shifts = mlp(g, "mlp_b" + k, code, spec);
            String name = "g_res" + k;
            String y = x;
            for (int half = 0; half < 2; half++) {
                String n = name + (half == 0 ? "a" : "b");
                g.addLayer(n + "_pad", new ReflectionPad(1), y);
                g.addLayer(n + "_conv", conv(c, c, 3, 1, 1), n + "_pad");
                g.addVertex(n + "_w", new SubsetVertex(half * c, (half + 1) * c - 1), scales);
                g.addVertex(n + "_b", new SubsetVertex(half * c, (half + 1) * c - 1), shifts);
                g.addVertex(n + "_adain", new AdaptiveInstanceNormVertex(), n + "_conv", n + "_w", n + "_b");
                y = n + "_adain";
                if (half == 0) {
                    g.addLayer(n + "_act", lrelu(), y);
                    y = n + "_act";
                }
            }
            g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), y, x);
            x = name;
        }
        int ch = c;
        for (int u = 0; u < 2; u++) {
            g.addLayer("up" + u, new Upsampling2D.Builder(2).build(), x);
            x = block(g, "up" + u + "b", "up" + u, ch, ch / 2, 5, 1, 1, "ln", true);
            ch /= 2;
        }
        x = block(g, "out1", x, ch, ch, 3, 1, 1, "none", true);
        x = block(g, "out2", x, ch, ch, 3, 1, 1, "none", true);
        x = block(g, "out3", x, ch, 3, 1, 1, 1, "none", false);
        g.addLayer("image", new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), x);
        g.setOutputs("image");
        return g.build();
    }

    /** An AdaIN MLP of chunk {@code in}: {@code c -> mlpDim} lrelu, {@code mlpDim -> mlpDim} lrelu, {@code -> 2 x 8d}. */
    private static String mlp(ComputationGraphConfiguration.GraphBuilder g, String name, String in, GeneratorSpec spec) {
        g.addLayer(name + "_1", new DenseLayer.Builder().nIn(spec.chunk()).nOut(spec.mlpDim()).activation(new ActivationLReLU(SLOPE))
                .weightInit(WeightInit.RELU).biasInit(0).build(), in);
        g.addLayer(name + "_2", new DenseLayer.Builder().nIn(spec.mlpDim()).nOut(spec.mlpDim()).activation(new ActivationLReLU(SLOPE))
                .weightInit(WeightInit.RELU).biasInit(0).build(), name + "_1");
        g.addLayer(name + "_3", new DenseLayer.Builder().nIn(spec.mlpDim()).nOut(2 * spec.structureChannels())
                .activation(Activation.IDENTITY).weightInit(WeightInit.RELU).biasInit(0).build(), name + "_2");
        return name + "_3";
    }
}
