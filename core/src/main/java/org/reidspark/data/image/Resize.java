package org.reidspark.data.image;

/**
 * Bilinear resampling of {@link RgbImage}s as PIL's {@code Image.resize(size, BILINEAR)} does it (and so
 * torchvision's {@code Resize} on PIL images): a separable triangle filter over pixel centres, widened by the
 * scale factor when shrinking so that downscaling averages instead of aliasing; weights renormalized at the
 * borders. Upscaling is ordinary half-pixel-centre bilinear interpolation. The intermediate pass stays in
 * floating point (PIL rounds it to 8 bits), so results can differ from PIL's by one level.
 */
public final class Resize {
    private Resize() {
    }

    /** {@code src} resized to {@code height x width}; {@code src} itself when it already has that size. */
    public static RgbImage bilinear(RgbImage src, int height, int width) {
        if (src.height() == height && src.width() == width) return src;
        return bilinear(src, 0, 0, src.height(), src.width(), height, width);
    }

    /**
     * The box of {@code src} with top-left corner ({@code top}, {@code left}) and size {@code boxH x boxW}
     * (in pixels, may be fractional) resampled to {@code height x width}. Filter taps may reach just outside the
     * box, never outside the image.
     */
    public static RgbImage bilinear(RgbImage src, double top, double left, double boxH, double boxW, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("resize to " + height + "x" + width);
        if (!(boxH > 0 && boxW > 0)) throw new IllegalArgumentException("empty resize box " + boxH + "x" + boxW);
        int inH = src.height();
        int inW = src.width();
        byte[] in = src.rgb();
        Taps tx = Taps.of(left, boxW, inW, width);
        Taps ty = Taps.of(top, boxH, inH, height);
        // horizontal pass: inH rows x width columns, only the rows the vertical pass reads
        int rowLen = width * 3;
        float[] mid = new float[inH * rowLen];
        int yLo = ty.first[0];
        int yHi = ty.first[height - 1] + ty.count[height - 1];
        for (int y = yLo; y < yHi; y++) {
            int srcRow = y * inW * 3;
            int dstRow = y * rowLen;
            for (int x = 0; x < width; x++) {
                int first = tx.first[x];
                int n = tx.count[x];
                int wk = x * tx.stride;
                float r = 0;
                float g = 0;
                float b = 0;
                int p = srcRow + first * 3;
                for (int k = 0; k < n; k++, p += 3) {
                    float wt = tx.weight[wk + k];
                    r += wt * (in[p] & 0xFF);
                    g += wt * (in[p + 1] & 0xFF);
                    b += wt * (in[p + 2] & 0xFF);
                }
                int d = dstRow + x * 3;
                mid[d] = r;
                mid[d + 1] = g;
                mid[d + 2] = b;
            }
        }
        // vertical pass
        byte[] out = new byte[height * rowLen];
        float[] acc = new float[rowLen];
        for (int y = 0; y < height; y++) {
            java.util.Arrays.fill(acc, 0f);
            int first = ty.first[y];
            int n = ty.count[y];
            for (int k = 0; k < n; k++) {
                float wt = ty.weight[y * ty.stride + k];
                int base = (first + k) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += wt * mid[base + i];
            }
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++) out[o + i] = (byte) clamp8(acc[i]);
        }
        return new RgbImage(height, width, out);
    }

    static int clamp8(float v) {
        int i = (int) (v + 0.5f);
        return i < 0 ? 0 : Math.min(i, 255);
    }

    /** Per output coordinate: the first input index, the number of taps and their normalized weights. */
    private static final class Taps {
        final int[] first;
        final int[] count;
        final float[] weight;
        final int stride;

        private Taps(int[] first, int[] count, float[] weight, int stride) {
            this.first = first;
            this.count = count;
            this.weight = weight;
            this.stride = stride;
        }

        static Taps of(double start, double length, int inSize, int outSize) {
            double scale = length / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle filter's support is 1
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            float[] weight = new float[outSize * stride];
            for (int o = 0; o < outSize; o++) {
                double center = start + (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support + 0.5));
                int hi = Math.min(inSize, (int) Math.floor(center + support + 0.5));
                if (hi <= lo) { // box entirely outside: nearest edge pixel
                    lo = Math.min(Math.max(0, (int) Math.floor(center)), inSize - 1);
                    hi = lo + 1;
                }
                int n = Math.min(hi - lo, stride);
                double total = 0;
                double[] w = new double[n];
                for (int k = 0; k < n; k++) {
                    double t = Math.abs((lo + k - center + 0.5) / filterScale);
                    w[k] = t < 1 ? 1 - t : 0;
                    total += w[k];
                }
                for (int k = 0; k < n; k++) {
                    weight[o * stride + k] = (float) (total > 0 ? w[k] / total : (k == 0 ? 1 : 0));
                }
                first[o] = lo;
                count[o] = n;
            }
            return new Taps(first, count, weight, stride);
        }
    }
}
