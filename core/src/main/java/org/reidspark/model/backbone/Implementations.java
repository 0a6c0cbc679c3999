package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.config.Check;

import java.util.List;

/**
 * The switches from an implementation name in config ({@code reid.model.implementation}) to the DL4J layers the
 * backbones' convolutions, BatchNorms, ReLUs and max pooling are built from, one switch per kind of layer. Every
 * implementation gives the same parameters, initialization and outputs (within float rounding) and the same saved
 * form apart from class names; they differ in speed and memory (docs/performance.md).
 * <ul>
 *   <li>{@code native}: {@link NativeConvolution} ({@code conv2d} / {@code conv2d_bp}, on oneDNN in an ND4J build
 *       with oneDNN), {@link NativeBatchNormalization} ({@code moments} and {@code batchnorm} forward, a few ND4J
 *       operations backward), {@link NativeRelu} (one pass forward, two backward) and {@link NativeSubsampling}
 *       (libnd4j's own max pooling kernels, faster than oneDNN's on NCHW activations).</li>
 *   <li>{@code dl4j}: DL4J's own {@link ConvolutionLayer} (Java-side im2col and gemm), {@link BatchNormalization}
 *       (Java-side broadcast operations), ReLU {@link ActivationLayer} and {@link SubsamplingLayer}.</li>
 * </ul>
 */
public final class Implementations {
    /** Every implementation name config accepts; the first is the default. */
    public static final List<String> NAMES = List.of("native", "dl4j");
    /** The default implementation. */
    public static final String DEFAULT = NAMES.get(0);

    private Implementations() {
    }

    /** Fails unless {@code name} is an implementation, listing the known ones. */
    public static String check(String name) {
        if (!NAMES.contains(name)) throw Check.unknownName("layer implementation", name, NAMES);
        return name;
    }

    /** A {@code k x k} convolution builder of implementation {@code name}. */
    public static ConvolutionLayer.Builder convolution(String name, int k) {
        return switch (name) {
            case "native" -> new NativeConvolution.Builder(k, k);
            case "dl4j" -> new ConvolutionLayer.Builder(k, k);
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }

    /** {@code built} (from DL4J's BatchNorm builder) as a layer of implementation {@code name}. */
    public static BatchNormalization batchNorm(String name, BatchNormalization built) {
        return switch (name) {
            case "native" -> NativeBatchNormalization.of(built);
            case "dl4j" -> built;
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }

    /** {@code built} (from DL4J's SubsamplingLayer builder) as a layer of implementation {@code name}. */
    public static SubsamplingLayer pooling(String name, SubsamplingLayer built) {
        return switch (name) {
            case "native" -> NativeSubsampling.of(built);
            case "dl4j" -> built;
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }

    /** A ReLU layer of implementation {@code name}. */
    public static ActivationLayer relu(String name) {
        return switch (name) {
            case "native" -> new NativeRelu();
            case "dl4j" -> new ActivationLayer.Builder().activation(Activation.RELU).build();
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }
}
