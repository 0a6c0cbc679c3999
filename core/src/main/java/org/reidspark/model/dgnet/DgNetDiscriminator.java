package org.reidspark.model.dgnet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;

import java.util.ArrayList;
import java.util.List;

/**
 * DG-Net's multi-scale LSGAN discriminator {@code D} as one DL4J graph (Zheng et al., "Joint Discriminative and
 * Generative Learning for Person Re-identification", CVPR 2019, https://arxiv.org/abs/1904.07223; official code
 * github.com/NVlabs/DG-Net {@code networks.py} {@code MsImageDis}, followed layer by layer: docs/dgnet-official-code.md
 * section 1.4).
 *
 * <p>Input {@code image [B, 3, H, W]} (normalized RGB). Scale k sees the image average-pooled k times (3x3 windows,
 * stride 2, padding 1, the padding left out of each window's divisor: PyTorch's {@code count_include_pad=False}) and
 * has weights of its own: {@code Conv2dBlock}s (reflection padding, convolution with a bias, LeakyReLU 0.2, no norm as
 * the official {@code norm: none}) {@code 3 -> d} (1x1), {@code d -> d} (3x3), {@code d -> d} (3x3, stride 2), then per
 * further layer {@code d -> d} (3x3) and {@code d -> min(2d, 512)} (3x3, stride 2); {@code resBlocks} residual blocks
 * (conv, lrelu, conv, add); a 1x1 convolution to one channel, linear. Outputs {@code "d0"}, {@code "d1"}, ...:
 * {@code [B, 1, H / 2^(k + layers), W / 2^(k + layers)]} (official: 64x32, 32x16, 16x8 at 256x128). Weights
 * N(0, 0.02), biases 0 (the official {@code weights_init('gaussian')}).
 *
 * <p>The losses ({@link #discriminatorLoss}, {@link #generatorLoss}) are the official {@code calc_dis_loss} and
 * {@code calc_gen_loss} for LSGAN, without the official R1 penalty on real images ({@code LAMBDA} 0.01 times the
 * squared input gradient): it needs the gradient of a gradient, which DL4J's layers do not compute (the documented
 * deviation, docs/dgnet-official-code.md section 6 item 15).
 */
public final class DgNetDiscriminator {
    /** The official cap on a scale's width. */
    public static final int MAX_CHANNELS = 512;

    private DgNetDiscriminator() {
    }

    /** The name of scale {@code k}'s output. */
    public static String output(int k) {
        return "d" + k;
    }

    /** The discriminator's graph: input {@code "image"}, outputs {@code "d0"} ... {@code "d(scales-1)"}. */
    public static ComputationGraphConfiguration of(DiscriminatorSpec spec, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options);
        g.addInputs("image").setInputTypes(InputType.convolutional(spec.height(), spec.width(), 3));
        IWeightInit init = new WeightInitDistribution(new NormalDistribution(0, 0.02));
        String x = "image";
        String[] outputs = new String[spec.scales()];
        for (int k = 0; k < spec.scales(); k++) {
            if (k > 0) {
                String down = "down" + k;
                g.addLayer(down, new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                        .avgPoolIncludePadInDivisor(false).build(), x);
                x = down;
            }
            outputs[k] = scale(g, k, x, spec, init);
        }
        g.setOutputs(outputs);
        return g.build();
    }

    private static String scale(ComputationGraphConfiguration.GraphBuilder g, int k, String x, DiscriminatorSpec spec,
                                IWeightInit init) {
        String name = "s" + k;
        int d = spec.dim();
        String cur = DgNetGenerator.block(g, name + "_c0", x, 3, d, 1, 1, 1, "none", true, init);
        cur = DgNetGenerator.block(g, name + "_c1", cur, d, d, 3, 1, 1, "none", true, init);
        cur = DgNetGenerator.block(g, name + "_c2", cur, d, d, 3, 2, 1, "none", true, init);
        for (int i = 1; i < spec.layers(); i++) {
            int d2 = Math.min(2 * d, MAX_CHANNELS);
            cur = DgNetGenerator.block(g, name + "_l" + i + "a", cur, d, d, 3, 1, 1, "none", true, init);
            cur = DgNetGenerator.block(g, name + "_l" + i + "b", cur, d, d2, 3, 2, 1, "none", true, init);
            d = d2;
        }
        for (int r = 0; r < spec.resBlocks(); r++) {
            String res = name + "_res" + r;
            String y = DgNetGenerator.block(g, res + "a", cur, d, d, 3, 1, 1, "none", true, init);
            y = DgNetGenerator.block(g, res + "b", y, d, d, 3, 1, 1, "none", false, init);
            g.addVertex(res, new ElementWiseVertex(ElementWiseVertex.Op.Add), y, cur);
            cur = res;
        }
        String last = DgNetGenerator.block(g, name + "_out", cur, d, 1, 1, 1, 1, "none", false, init);
        String out = output(k);
        g.addLayer(out, new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), last);
        return out;
    }

    /** G's loss over the scales' outputs on fake images, and its gradient with respect to each output (same shapes). */
    public record Loss(double value, List<INDArray> gradients) {
    }

    /** D's loss, and its gradients with respect to each scale's output on the fake and on the real images. */
    public record DiscriminatorLoss(double value, List<INDArray> fakeGradients, List<INDArray> realGradients) {
    }

    /**
     * The official {@code calc_dis_loss} (LSGAN): {@code sum_k mean(D_k(fake)^2) + mean((D_k(real) - 1)^2)} over the
     * scales' outputs on the fake and on the real images, with its gradients ({@code 2 D / n} and {@code 2 (D - 1) / n}).
     */
    public static DiscriminatorLoss discriminatorLoss(List<INDArray> fake, List<INDArray> real) {
        if (fake.size() != real.size()) throw new IllegalArgumentException(fake.size() + " fake scales, " + real.size() + " real");
        double value = 0;
        List<INDArray> gFake = new ArrayList<>();
        List<INDArray> gReal = new ArrayList<>();
        for (int k = 0; k < fake.size(); k++) {
            INDArray f = fake.get(k);
            INDArray r = real.get(k).sub(1.0);
            value += f.mul(f).meanNumber().doubleValue() + r.mul(r).meanNumber().doubleValue();
            gFake.add(f.mul(2.0 / f.length()));
            gReal.add(r.mul(2.0 / r.length()));
        }
        return new DiscriminatorLoss(value, gFake, gReal);
    }

    /**
     * The official {@code calc_gen_loss} (LSGAN): {@code sum_k 2 mean((D_k(fake) - 1)^2)} (the factor 2 is the
     * official code's), with its gradient for each scale's output ({@code 4 (D - 1) / n}).
     */
    public static Loss generatorLoss(List<INDArray> fake) {
        double value = 0;
        List<INDArray> g = new ArrayList<>();
        for (INDArray out : fake) {
            INDArray r = out.sub(1.0);
            value += 2 * r.mul(r).meanNumber().doubleValue();
            g.add(r.mul(4.0 / r.length()));
        }
        return new Loss(value, g);
    }
}
