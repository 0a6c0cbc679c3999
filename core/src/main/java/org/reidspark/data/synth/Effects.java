package org.reidspark.data.synth;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * What a camera does to a picture: capture at a lower resolution, optical blur, colour cast, tone curve,
 * saturation, per-image exposure, and sensor noise. Works in place on a {@code TYPE_INT_RGB} image.
 */
final class Effects {
    /** Standard normal samples, drawn once; noise picks from them with the image's stream (fast, deterministic). */
    private static final float[] GAUSSIAN = new float[1 << 16];

    static {
        Rng r = Rng.of(0x6A09E667F3BCC908L);
        for (int i = 0; i < GAUSSIAN.length; i++) GAUSSIAN[i] = (float) r.gaussian();
    }

    private Effects() {
    }

    static void apply(BufferedImage img, Camera cam, double exposure, double contrast, Rng r) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (cam.resolution() < 0.99) resample(img, cam.resolution());
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        double sigma = cam.blur() * h / 128.0;
        if (sigma > 0.25) blur(px, w, h, sigma);
        int[][] lut = new int[3][256];
        for (int ch = 0; ch < 3; ch++) {
            double gain = cam.gain()[ch] * cam.brightness() * exposure;
            for (int v = 0; v < 256; v++) {
                double x = Math.pow(v / 255.0, cam.gamma()) * gain;
                x = (x - 0.5) * contrast + 0.5;
                lut[ch][v] = Rng.clamp(x * 255);
            }
        }
        double sat = cam.saturation();
        double noise = cam.noise();
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            double rr = lut[0][(p >> 16) & 0xff];
            double gg = lut[1][(p >> 8) & 0xff];
            double bb = lut[2][p & 0xff];
            double y = 0.299 * rr + 0.587 * gg + 0.114 * bb;
            long bits = r.nextLong();
            double n = noise * 0.6 * GAUSSIAN[(int) (bits & 0xffff)];
            rr = y + (rr - y) * sat + n + noise * 0.5 * GAUSSIAN[(int) ((bits >>> 16) & 0xffff)];
            gg = y + (gg - y) * sat + n + noise * 0.5 * GAUSSIAN[(int) ((bits >>> 32) & 0xffff)];
            bb = y + (bb - y) * sat + n + noise * 0.5 * GAUSSIAN[(int) (bits >>> 48)];
            px[i] = (Rng.clamp(rr) << 16) | (Rng.clamp(gg) << 8) | Rng.clamp(bb);
        }
    }

    /** Down to {@code scale} of the size and back up, bilinear both ways: a lower-resolution sensor. */
    private static void resample(BufferedImage img, double scale) {
        int w = img.getWidth();
        int h = img.getHeight();
        int sw = Math.max(8, (int) Math.round(w * scale));
        int sh = Math.max(8, (int) Math.round(h * scale));
        BufferedImage small = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, sw, sh, null);
        g.dispose();
        Graphics2D back = img.createGraphics();
        back.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        back.drawImage(small, 0, 0, w, h, null);
        back.dispose();
    }

    /** Separable Gaussian blur, edges clamped. */
    static void blur(int[] px, int w, int h, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(2.5 * sigma));
        float[] k = new float[2 * radius + 1];
        float sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = (float) Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        int n = w * h;
        float[][] ch = new float[3][n];
        for (int i = 0; i < n; i++) {
            int p = px[i];
            ch[0][i] = (p >> 16) & 0xff;
            ch[1][i] = (p >> 8) & 0xff;
            ch[2][i] = p & 0xff;
        }
        float[] tmp = new float[n];
        for (float[] c : ch) {
            for (int y = 0; y < h; y++) {
                int row = y * w;
                for (int x = 0; x < w; x++) {
                    float acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                        acc += k[i + radius] * c[row + xx];
                    }
                    tmp[row + x] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                        acc += k[i + radius] * tmp[yy * w + x];
                    }
                    c[y * w + x] = acc;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            px[i] = (Rng.clamp(ch[0][i]) << 16) | (Rng.clamp(ch[1][i]) << 8) | Rng.clamp(ch[2][i]);
        }
    }
}
