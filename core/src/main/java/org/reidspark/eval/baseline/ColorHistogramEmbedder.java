package org.reidspark.eval.baseline;

import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The non-learned reference embedder: colour histograms over horizontal stripes, the classic hand-crafted
 * re-ID descriptor (in the spirit of ELF, Gray and Tao, ECCV 2008, https://doi.org/10.1007/978-3-540-88682-2_21,
 * and the stripe colour histograms of LOMO, Liao et al., CVPR 2015, https://arxiv.org/abs/1406.4216, without
 * their learned metrics).
 *
 * <p>An image is resized to {@value #HEIGHT}x{@value #WIDTH} (bilinear) and cut into {@value #STRIPES} horizontal
 * stripes. Each stripe gets an HSV histogram: pixels with saturation below 1/{@value #S_BINS} are achromatic and
 * fall into one of {@value #V_BINS} value bins (the hue of a grey pixel is noise); the others into
 * {@value #H_BINS} hue x {@code S_BINS - 1} saturation x {@value #V_BINS} value bins: 100 bins per stripe, each
 * stripe normalized to sum 1. The embedding is the square root of the concatenated histograms (Hellinger
 * mapping) scaled to unit L2 norm, so the cosine similarity of two embeddings is the mean Bhattacharyya
 * coefficient of their stripes. Shape {@code [n, 600]}; compare with cosine distance.
 */
public final class ColorHistogramEmbedder {
    public static final int HEIGHT = 128, WIDTH = 64, STRIPES = 6, H_BINS = 8, S_BINS = 4, V_BINS = 4;
    /** Achromatic bins (one per value level), then hue x saturation x value bins of the chromatic pixels. */
    private static final int BINS = V_BINS + H_BINS * (S_BINS - 1) * V_BINS;

    /** Length of an embedding. */
    public static int dimension() {
        return STRIPES * BINS;
    }

    /** One image's embedding (unit L2 norm). */
    public float[] embed(RgbImage image) {
        RgbImage img = Resize.bilinear(image, HEIGHT, WIDTH);
        byte[] px = img.rgb();
        double[] hist = new double[dimension()];
        for (int y = 0; y < HEIGHT; y++) {
            int base = (y * STRIPES / HEIGHT) * BINS;
            for (int x = 0; x < WIDTH; x++) {
                int i = (y * WIDTH + x) * 3;
                hist[base + bin(px[i] & 0xff, px[i + 1] & 0xff, px[i + 2] & 0xff)] += 1;
            }
        }
        float[] v = new float[hist.length];
        double norm = 0;
        for (int s = 0; s < STRIPES; s++) {
            double sum = 0;
            for (int b = 0; b < BINS; b++) sum += hist[s * BINS + b];
            for (int b = 0; b < BINS; b++) {
                double h = sum > 0 ? Math.sqrt(hist[s * BINS + b] / sum) : 0;
                hist[s * BINS + b] = h;
                norm += h * h;
            }
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) v[i] = (float) (norm > 0 ? hist[i] / norm : 0);
        return v;
    }

    /** Embeddings of {@code samples}, one row per sample in order, images from {@code images}. */
    public float[][] embed(List<Sample> samples, ImageSource images) {
        float[][] out = new float[samples.size()][];
        IntStream.range(0, samples.size()).parallel().forEach(i -> out[i] = embed(images.image(samples.get(i).uri())));
        return out;
    }

    /** Embeddings of {@code samples}, one row per sample in order, decoded from files through {@code storage}. */
    public float[][] embed(List<Sample> samples, Storage storage) {
        return embed(samples, ImageSource.decoding(storage, new ImageDecoder(Alpha.DROP), HEIGHT, WIDTH));
    }

    /** The histogram bin of an RGB pixel. */
    static int bin(int r, int g, int b) {
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        double s = max == 0 ? 0 : (max - min) / (double) max;
        int sb = Math.min(S_BINS - 1, (int) (s * S_BINS));
        int vb = Math.min(V_BINS - 1, max * V_BINS / 256);
        if (sb == 0) return vb;
        double h;
        if (max == r) h = ((g - b) / (double) (max - min) + 6) % 6;
        else if (max == g) h = (b - r) / (double) (max - min) + 2;
        else h = (r - g) / (double) (max - min) + 4;
        int hb = Math.min(H_BINS - 1, (int) (h / 6 * H_BINS));
        return V_BINS + (hb * (S_BINS - 1) + sb - 1) * V_BINS + vb;
    }
}
