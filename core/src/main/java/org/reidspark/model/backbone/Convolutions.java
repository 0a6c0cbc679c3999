package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.reidspark.config.Check;

import java.util.List;

/**
 * The one switch from a convolution implementation name in config ({@code reid.model.convolution}) to the DL4J
 * layer builder the backbones use. Both give the same parameters, initialization and outputs (within float
 * rounding); they differ in speed and memory (docs/performance.md).
 * <ul>
 *   <li>{@code native}: {@link NativeConvolution}, one native {@code conv2d} / {@code conv2d_bp} call per pass.</li>
 *   <li>{@code dl4j}: DL4J's own {@link ConvolutionLayer} (Java-side im2col and gemm).</li>
 * </ul>
 */
public final class Convolutions {
    /** Every implementation name config accepts; the first is the default. */
    public static final List<String> NAMES = List.of("native", "dl4j");
    /** The default implementation. */
    public static final String DEFAULT = NAMES.get(0);

    private Convolutions() {
    }

    /** A {@code k x k} convolution builder of implementation {@code name}; an unknown name fails listing the known ones. */
    public static ConvolutionLayer.Builder builder(String name, int k) {
        return switch (name) {
            case "native" -> new NativeConvolution.Builder(k, k);
            case "dl4j" -> new ConvolutionLayer.Builder(k, k);
            default -> throw Check.unknownName("convolution", name, NAMES);
        };
    }
}
