package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Objects;

/**
 * A spatial transformer's sampler: the patch of a feature map under an affine transform, as PAUL's patch generation
 * network samples its M patches (PAUL: "Patch-based Discriminative Feature Learning for Unsupervised Person
 * Re-identification", Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308; official code github.com/QizeYang/PAUL,
 * {@code src/models/patchnet.py}, {@code PatchGenerator.forward}: {@code grid = F.affine_grid(stripe, x.size());
 * F.grid_sample(x, grid)}). The vertex is {@link BilinearSamplerVertex}, with a hand-written backward pass.
 *
 * <p>Two inputs, in order: the feature map {@code x [B, C, H, W]} (NCHW) and the affine parameters
 * {@code theta [B, 6]}, the 2x3 matrix {@code [[t0, t1, t2], [t3, t4, t5]]} row-major as PyTorch's
 * {@code F.affine_grid} takes it. Output: the patch {@code y [B, C, h, w]}, with {@code h, w} configured (PAUL samples
 * at the map's own size, {@code h = H, w = W}). Errors: {@code dL/dy [B, C, h, w]} in; {@code dL/dx [B, C, H, W]} and
 * {@code dL/dtheta [B, 6]} out. The result is exactly PyTorch's
 * {@code F.grid_sample(x, F.affine_grid(theta, [B, C, h, w], align_corners), mode='bilinear', padding_mode='zeros',
 * align_corners)}:
 * <pre>
 *   base coordinates   u_j = -1 + 2 j / (w - 1),  v_i = -1 + 2 i / (h - 1)              (alignCorners = true)
 *                      u_j = (2 j + 1) / w - 1,   v_i = (2 i + 1) / h - 1               (alignCorners = false)
 *                      (a size of 1 gives the coordinate 0, as PyTorch since 1.3)
 *   grid               gx = t0 u_j + t1 v_i + t2,   gy = t3 u_j + t4 v_i + t5
 *   pixel coordinates  px = (gx + 1) / 2 (W - 1),   py = (gy + 1) / 2 (H - 1)              (alignCorners = true)
 *                      px = ((gx + 1) W - 1) / 2,   py = ((gy + 1) H - 1) / 2              (alignCorners = false)
 *   y[b, c, i, j] = sum over the 4 pixels (q, r) around (py, px):
 *                   (1 - |py - q|)(1 - |px - r|) x[b, c, q, r],   pixels outside the map count as 0
 * </pre>
 * The gradient to theta goes through {@code px, py} (PyTorch's: one-sided at integer coordinates, where bilinear
 * sampling has a kink).
 *
 * <p><b>alignCorners, default {@code true}</b>: the official code was written for PyTorch 0.4.1 (its README), whose
 * {@code affine_grid} built the base grid with {@code linspace(-1, 1, n)} and whose {@code grid_sample} mapped -1 and 1
 * to the centres of the corner pixels: the behaviour PyTorch 1.3 named {@code align_corners=True} (its default became
 * {@code False} then). The default follows the official code. Under {@code true}, PAUL's stripe {@code i} of M
 * (see {@link PatchStripes}) samples rows {@code i (H - 1) / M .. (i + 1) (H - 1) / M}, interpolating between rows;
 * under {@code false} with {@code h = H / M} it picks rows {@code i H / M .. (i + 1) H / M - 1} exactly. The identity
 * theta with {@code h = H, w = W} reproduces the map under both. BilinearSamplerTest compares forward and backward
 * with values PyTorch 1.13.1 computed (test resource {@code grid_sample_reference.py}). Size-1 outputs: PyTorch before
 * 1.3 put the single coordinate at -1, this class (like PyTorch since 1.3) at 0; PAUL never samples a size-1 patch.
 */
public class BilinearSampler extends ParameterFreeVertexConfiguration {
    private int height;
    private int width;
    private boolean alignCorners = true;

    /** For JSON deserialization. */
    public BilinearSampler() {
    }

    /** A sampler of {@code height x width} patches with {@code alignCorners = true}, the official PAUL behaviour. */
    public BilinearSampler(int height, int width) {
        this(height, width, true);
    }

    /**
     * @param height       the patch height h (PAUL: the map's H)
     * @param width        the patch width w (PAUL: the map's W)
     * @param alignCorners PyTorch's {@code align_corners} for both affine_grid and grid_sample; {@code true} is PAUL's
     */
    public BilinearSampler(int height, int width, boolean alignCorners) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("BilinearSampler: the patch size must be at least 1x1, got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
        this.alignCorners = alignCorners;
    }

    public int getHeight() {
        return height;
    }

    public void setHeight(int height) {
        this.height = height;
    }

    public int getWidth() {
        return width;
    }

    public void setWidth(int width) {
        this.width = width;
    }

    public boolean isAlignCorners() {
        return alignCorners;
    }

    public void setAlignCorners(boolean alignCorners) {
        this.alignCorners = alignCorners;
    }

    @Override
    public BilinearSampler clone() {
        return new BilinearSampler(height, width, alignCorners);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BilinearSampler s && s.height == height && s.width == width && s.alignCorners == alignCorners;
    }

    @Override
    public int hashCode() {
        return Objects.hash(BilinearSampler.class, height, width, alignCorners);
    }

    @Override
    protected int inputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new BilinearSamplerVertex(graph, name, idx, height, width, alignCorners, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2 || !(vertexInputs[0] instanceof InputType.InputTypeConvolutional x)) {
            throw new InvalidInputTypeException("BilinearSampler takes a feature map [B, C, H, W] (convolutional) and theta [B, 6]"
                    + " (feed-forward, size 6); got " + Arrays.toString(vertexInputs));
        }
        if (x.getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("BilinearSampler needs an NCHW feature map, got " + x.getFormat());
        }
        if (!(vertexInputs[1] instanceof InputType.InputTypeFeedForward t) || t.getSize() != 6) {
            throw new InvalidInputTypeException("BilinearSampler's second input is theta [B, 6] (feed-forward, size 6), got "
                    + vertexInputs[1]);
        }
        return InputType.convolutional(height, width, x.getChannels(), CNN2DFormat.NCHW);
    }

    @Override
    public String toString() {
        return "BilinearSampler(" + height + "x" + width + ", alignCorners=" + alignCorners + ")";
    }
}
