package org.reidspark.data.image;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.FloatMemory;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * 8-bit RGB to the network's float input: {@code (v / 255 - mean[c]) / std[c]} per channel (torchvision's
 * {@code ToTensor} + {@code Normalize}), written in CHW order. A batch is {@code [N, 3, H, W]} (NCHW), the
 * layout DL4J convolutions take. The 3 x 256 possible values are tabulated once, so normalizing is a lookup.
 */
public final class Normalizer {
    private final float[] mean;
    private final float[] std;
    private final float[][] table = new float[3][256];

    public Normalizer(double[] mean, double[] std) {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values each");
        this.mean = new float[3];
        this.std = new float[3];
        for (int c = 0; c < 3; c++) {
            if (!(std[c] > 0)) throw new IllegalArgumentException("std must be positive: " + std[c]);
            this.mean[c] = (float) mean[c];
            this.std[c] = (float) std[c];
            for (int v = 0; v < 256; v++) table[c][v] = (float) ((v / 255.0 - mean[c]) / std[c]);
        }
    }

    public static Normalizer of(InputConfig input) {
        return new Normalizer(input.meanArray(), input.stdArray());
    }

    /** The normalized value of 8-bit level {@code v} in channel {@code c}. */
    public float value(int c, int v) {
        return table[c][v];
    }

    /** The normalized value of the 0..1 intensity {@code x} in channel {@code c} (not tabulated). */
    public float valueOf(int c, double x) {
        return (float) ((x - mean[c]) / std[c]);
    }

    /**
     * The inverse: {@code height x width} CHW floats of this normalization from {@code offset} (a network's image
     * output, such as a generator's) as 8-bit RGB, each intensity {@code v * std + mean} clamped to 0..1 and rounded.
     */
    public RgbImage toRgb(float[] chw, int offset, int height, int width) {
        int plane = height * width;
        if (offset < 0 || offset + 3 * plane > chw.length) {
            throw new IllegalArgumentException("no " + height + "x" + width + " image at " + offset + " of " + chw.length + " values");
        }
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double v = chw[offset + c * plane + i] * (double) std[c] + mean[c];
                rgb[3 * i + c] = (byte) Math.round(255 * Math.min(1, Math.max(0, v)));
            }
        }
        return new RgbImage(height, width, rgb);
    }

    /** Writes {@code img} as CHW floats into {@code dst} from {@code offset} ({@code 3 * H * W} values). */
    public void toChw(RgbImage img, float[] dst, int offset) {
        byte[] rgb = img.rgb();
        int plane = img.height() * img.width();
        float[] t0 = table[0];
        float[] t1 = table[1];
        float[] t2 = table[2];
        int r = offset;
        int g = offset + plane;
        int b = offset + 2 * plane;
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            dst[r + i] = t0[rgb[p] & 0xFF];
            dst[g + i] = t1[rgb[p + 1] & 0xFF];
            dst[b + i] = t2[rgb[p + 2] & 0xFF];
        }
    }

    /** {@code img} as a new CHW float array. */
    public float[] toChw(RgbImage img) {
        float[] out = new float[3 * img.height() * img.width()];
        toChw(img, out, 0);
        return out;
    }

    /** Images of one size as a new {@code [N, 3, H, W]} float batch. */
    public INDArray batch(List<RgbImage> images) {
        return batch(images, null);
    }

    /**
     * Images of one size as a {@code [N, 3, H, W]} float batch: written into {@code reuse} when that is a contiguous
     * C-order FLOAT array of the batch's shape (its values replaced; the caller no longer needs them), else into a new
     * array. A caller that embeds batch after batch and waits for each pass reuses one array: a new batch is fresh
     * native memory, and each of its pages faults on first touch (on the benchmark machine up to about 4 ms per 64
     * images of 64x32, more than the normalizing; docs/performance.md, "Extraction at the compute rate").
     */
    public INDArray batch(List<RgbImage> images, INDArray reuse) {
        if (images.isEmpty()) throw new IllegalArgumentException("empty batch");
        int h = images.get(0).height();
        int w = images.get(0).width();
        int size = 3 * h * w;
        long[] shape = {images.size(), 3, h, w};
        INDArray out = reuse != null && FloatMemory.contiguous(reuse) && Arrays.equals(reuse.shape(), shape) ? reuse
                : Nd4j.createUninitialized(DataType.FLOAT, shape);
        FloatBuffer dst = FloatMemory.buffer(out, "a batch");
        int base = (int) out.offset();
        float[] chw = new float[size];
        for (int i = 0; i < images.size(); i++) {
            RgbImage img = images.get(i);
            if (img.height() != h || img.width() != w) {
                throw new IllegalArgumentException("batch of mixed sizes: " + img + " after " + h + "x" + w);
            }
            toChw(img, chw, 0);
            dst.put(base + i * size, chw, 0, size);
        }
        return out;
    }

    /** {@code data} (N consecutive CHW images) as an {@code [N, 3, H, W]} array; the values are copied. */
    public static INDArray nchw(float[] data, int n, int h, int w) {
        if (data.length != n * 3 * h * w) {
            throw new IllegalArgumentException(data.length + " values for a [" + n + ", 3, " + h + ", " + w + "] batch");
        }
        return FloatMemory.array(data, n, 3, h, w);
    }
}
