package org.reidspark.eval.baseline;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The non-learned reference embedder: colour histograms over horizontal stripes, the classic hand-crafted
 * re-ID descriptor (in the spirit of ELF, Gray and Tao, ECCV 2008, and the stripe colour histograms of LOMO,
 * Liao et al., CVPR 2015, https://arxiv.org/abs/1406.4216, without the learned metric).
 *
 * <p>An image is resized to 128x64 (bilinear), cut into {@value #STRIPES} horizontal stripes, and each stripe
 * gets a joint HSV histogram of {@value #H_BINS} x {@value #S_BINS} x {@value #V_BINS} bins, normalized to sum 1.
 * The vector is the square root of the concatenated histograms (Hellinger mapping) scaled to unit L2 norm, so
 * the cosine similarity of two vectors is the mean Bhattacharyya coefficient of their stripes. Output shape:
 * {@code [n, STRIPES * H_BINS * S_BINS * V_BINS] = [n, 768]}; compare with cosine distance {@code 1 - a.b}.
 */
public final class ColorHistogramEmbedder {
    public static final int HEIGHT = 128, WIDTH = 64, STRIPES = 6, H_BINS = 8, S_BINS = 4, V_BINS = 4;
    /** Achromatic bins (one per V level) plus hue x saturation x value bins for the chromatic pixels. */
    private static final int BINS = V_BINS + H_BINS * (S_BINS - 1) * V_BINS;

    /** Length of an embedding. */
    public static int dimension() {
        return STRIPES * BINS;
    }

    /** One image's embedding (unit L2 norm). */
    public double[] embed(BufferedImage image) {
        BufferedImage img = resize(image);
        double[] v = new double[dimension()];
        int[] stripeOf = new int[HEIGHT];
        for (int y = 0; y < HEIGHT; y++) stripeOf[y] = Math.min(STRIPES - 1, y * STRIPES / HEIGHT);
        int[] rgb = img.getRGB(0, 0, WIDTH, HEIGHT, null, 0, WIDTH);
        for (int y = 0; y < HEIGHT; y++) {
            int base = stripeOf[y] * BINS;
            for (int x = 0; x < WIDTH; x++) {
                int p = rgb[y * WIDTH + x];
                v[base + bin((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff)] += 1;
            }
        }
        double norm = 0;
        for (int s = 0; s < STRIPES; s++) {
            double sum = 0;
            for (int b = 0; b < BINS; b++) sum += v[s * BINS + b];
            for (int b = 0; b < BINS; b++) {
                double h = sum > 0 ? Math.sqrt(v[s * BINS + b] / sum) : 0;
                v[s * BINS + b] = h;
                norm += h * h;
            }
        }
        norm = Math.sqrt(norm);
        if (norm > 0) for (int i = 0; i < v.length; i++) v[i] /= norm;
        return v;
    }

    /** Embeddings of {@code samples} in order, read through {@code storage}; rows are in sample order. */
    public double[][] embed(List<Sample> samples, Storage storage) {
        double[][] out = new double[samples.size()][];
        IntStream.range(0, samples.size()).parallel().forEach(i -> {
            try {
                out[i] = embed(read(storage, samples.get(i).uri()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return out;
    }

    static BufferedImage read(Storage storage, String uri) throws IOException {
        Path p = Storage.path(uri);
        try (InputStream in = storage.fs(p).open(p)) {
            BufferedImage img = ImageIO.read(in);
            if (img == null) throw new IOException("cannot decode image " + uri + " (not a JPEG/PNG/BMP/GIF file?)");
            return img;
        }
    }

    private static BufferedImage resize(BufferedImage src) {
        if (src.getWidth() == WIDTH && src.getHeight() == HEIGHT && src.getType() == BufferedImage.TYPE_INT_RGB) return src;
        BufferedImage dst = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, WIDTH, HEIGHT, null);
        g.dispose();
        return dst;
    }

    /** The joint HSV bin of an RGB pixel. */
    static int bin(int r, int g, int b) {
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        double v = max / 255.0;
        double s = max == 0 ? 0 : (max - min) / (double) max;
        double h;
        if (max == min) h = 0;
        else if (max == r) h = ((g - b) / (double) (max - min) + 6) % 6;
        else if (max == g) h = (b - r) / (double) (max - min) + 2;
        else h = (r - g) / (double) (max - min) + 4;
        int sb = Math.min(S_BINS - 1, (int) (s * S_BINS));
        int vb = Math.min(V_BINS - 1, (int) (v * V_BINS));
        if (sb == 0) return vb; // achromatic: the hue of a grey pixel is noise
        int hb = Math.min(H_BINS - 1, (int) (h / 6 * H_BINS));
        return V_BINS + (hb * (S_BINS - 1) + sb - 1) * V_BINS + vb;
    }
}
