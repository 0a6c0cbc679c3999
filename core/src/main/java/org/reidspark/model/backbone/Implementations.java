package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.config.Check;

import java.util.List;

/**
 * The switches from an implementation name in config ({@code reid.model.implementation}) to the DL4J layers the
 * backbones' convolutions, BatchNorms, ReLUs, max pooling and residual sums are built from, one switch per kind of
 * layer. Every
 * implementation gives the same parameters, initialization and outputs (within float rounding) and the same saved
 * form apart from class names; they differ in speed and memory (docs/performance.md).
 * <ul>
 *   <li>{@code native}: {@link NativeConvolution} (oneDNN's primitives called directly in float on ND4J's CPU
 *       backend, else ND4J's {@code conv2d} / {@code conv2d_bp}), {@link NativeBatchNormalization} (Java loops or
 *       oneDNN in training, ND4J's {@code batchnorm} in inference), {@link NativeRelu} (one pass each way, in place in
 *       ResNet), {@link NativeSubsampling} (oneDNN's max pooling, the maxima's positions kept for the backward
 *       pass) and {@link NativeAdd} (one pass, in place in ResNet).</li>
 *   <li>{@code dl4j}: DL4J's own {@link ConvolutionLayer} (Java-side im2col and gemm), {@link BatchNormalization}
 *       (Java-side broadcast operations), ReLU {@link ActivationLayer}, {@link SubsamplingLayer} and {@link ElementWiseVertex}.</li>
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
        return relu(name, false);
    }

    /**
     * A ReLU layer of implementation {@code name}; {@code inPlace}: one that may overwrite its input (where the
     * implementation can: {@link NativeRelu#inPlace()}), for a graph in which nothing else reads that input.
     */
    public static ActivationLayer relu(String name, boolean inPlace) {
        return switch (name) {
            case "native" -> inPlace ? NativeRelu.inPlace() : new NativeRelu();
            case "dl4j" -> new ActivationLayer.Builder().activation(Activation.RELU).build();
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }

    /**
     * The sum of two activations of one shape, of implementation {@code name}, written into the first input (where
     * the implementation can: {@link NativeAdd#inPlace()}), for a graph in which nothing else reads that input.
     */
    public static GraphVertex addIntoFirst(String name) {
        return switch (name) {
            case "native" -> NativeAdd.inPlace();
            case "dl4j" -> new ElementWiseVertex(ElementWiseVertex.Op.Add);
            default -> throw Check.unknownName("layer implementation", name, NAMES);
        };
    }
}
