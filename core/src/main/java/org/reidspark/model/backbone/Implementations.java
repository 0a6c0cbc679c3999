package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.reidspark.config.Check;

import java.util.List;

/**
 * The one switch from an implementation name in config ({@code reid.model.implementation}) to the DL4J layers the
 * backbones' convolutions and BatchNorms are built from. Every implementation gives the same parameters,
 * initialization and outputs (within float rounding) and the same saved form apart from class names; they differ
 * in speed and memory (docs/performance.md).
 * <ul>
 *   <li>{@code native}: {@link NativeConvolution} and {@link NativeBatchNormalization}, one native ND4J operation
 *       per pass ({@code conv2d}, {@code conv2d_bp}, {@code batchnorm}, {@code batchnorm_bp}), which an ND4J build
 *       with oneDNN runs on oneDNN.</li>
 *   <li>{@code dl4j}: DL4J's own {@link ConvolutionLayer} (Java-side im2col and gemm) and
 *       {@link BatchNormalization} (Java-side broadcast operations).</li>
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
}
