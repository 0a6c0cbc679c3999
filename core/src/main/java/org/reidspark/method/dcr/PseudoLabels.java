package org.reidspark.method.dcr;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * DCR's part pseudo-labels for the pixel-level alignment (self-refinement; https://doi.org/10.1016/j.neucom.2024.128723;
 * official code github.com/DeepAlchemist/differentiable-categorical-region, {@code part_loss_pixel_wise} and
 * {@code gen_bg_mask} in {@code fastreid/modeling/meta_arch/GSS.py}): the categorical stripes times the foreground
 * map, with a background channel, softened into a distribution over the K + 1 channels:
 * <pre>
 *   bg[i, j]  = 1 where fg[i, j] is below the (1 - f) quantile of the image's values (the lowest fraction f of its
 *               positions), and on the top and bottom r rows; else 0
 *   Y         = [bg, S_1 * fg, ..., S_K * fg]        (S_k: part k's stripe, constant along a row)
 *   T         = softmax over the channels of (s * Y)
 * </pre>
 * with f = {@code background-fraction} (0.1), r = {@code background-rows} (2 on the official 24-row map) and
 * s = {@code sharpness} (10). Inputs are detached values (no gradient flows through the labels): stripes
 * {@code [B, K, h]}, foreground {@code [B, 1, h, w]}; output {@code T [B, K + 1, h, w]}.
 */
final class PseudoLabels {
    private static final double EPS = 1e-12;

    private PseudoLabels() {
    }

    static INDArray targets(INDArray stripes, INDArray foreground, DcrConfig.PseudoLabels config) {
        int b = (int) stripes.size(0);
        int k = (int) stripes.size(1);
        int h = (int) stripes.size(2);
        int w = (int) foreground.size(3);
        if (foreground.size(0) != b || foreground.size(1) != 1 || foreground.size(2) != h) {
            throw new IllegalArgumentException("foreground " + Arrays.toString(foreground.shape()) + " does not fit stripes "
                    + Arrays.toString(stripes.shape()));
        }
        double[] s = stripes.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] fg = foreground.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int hw = h * w;
        int keep = (int) Math.round(hw * (1 - config.backgroundFraction()));
        double[] out = new double[b * (k + 1) * hw];
        double[] y = new double[k + 1];
        for (int i = 0; i < b; i++) {
            double[] sorted = Arrays.copyOfRange(fg, i * hw, (i + 1) * hw);
            Arrays.sort(sorted);
            double threshold = sorted[hw - Math.max(1, keep)];   // the keep-th largest value
            for (int r = 0; r < h; r++) {
                boolean edge = r < config.backgroundRows() || r >= h - config.backgroundRows();
                for (int c = 0; c < w; c++) {
                    double f = fg[i * hw + r * w + c];
                    y[0] = edge || threshold - f > EPS ? 1 : 0;
                    for (int p = 0; p < k; p++) y[p + 1] = s[(i * k + p) * h + r] * f;
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : y) max = Math.max(max, config.sharpness() * v);
                    double sum = 0;
                    for (int p = 0; p <= k; p++) sum += Math.exp(config.sharpness() * y[p] - max);
                    for (int p = 0; p <= k; p++) {
                        out[((i * (k + 1) + p) * h + r) * w + c] = Math.exp(config.sharpness() * y[p] - max) / sum;
                    }
                }
            }
        }
        return Nd4j.createFromArray(out).reshape('c', b, k + 1, h, w).castTo(foreground.dataType());
    }
}
