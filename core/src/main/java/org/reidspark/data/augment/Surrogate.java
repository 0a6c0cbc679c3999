package org.reidspark.data.augment;

import com.fasterxml.jackson.databind.JsonNode;
import org.reidspark.config.Check;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PAUL's surrogate positives (Yang et al., "Patch-Based Discriminative Feature Learning for Unsupervised Person
 * Re-Identification", CVPR 2019, https://arxiv.org/abs/1904.01308): an image's augmented copy that the IPFL loss
 * treats as the anchor's positive. The transforms, with the official code's parameters ({@code QizeYang/PAUL},
 * {@code src/dataset/market1501.py}):
 * <ul>
 *   <li>{@link #colorJitter colour jitter}: brightness, contrast and saturation factors in {@code [0.8, 1.2]},
 *       hue shift in {@code [-0.1, 0.1]} of the colour circle, applied in a random order (torchvision's
 *       {@code ColorJitter(0.2, 0.2, 0.2, 0.1)});</li>
 *   <li>{@link #rotate rotation} by a uniform angle in {@code [-10, 10]} degrees about the centre, corners black
 *       ({@code RandomRotation(10)}; we interpolate bilinearly where torchvision takes the nearest pixel);</li>
 *   <li>{@link #crop random crop} of 70-95% of the area (PAUL's own {@code RandomCrop(range=(0.70, 0.95))}:
 *       width uniform between {@code ratio * W} and {@code W}, height making the area {@code ratio * H * W}),
 *       resized back to the image's size.</li>
 * </ul>
 * The official code composes all three, in that order ({@link Mode#ALL}); {@link Mode#ONE} applies one of them
 * chosen uniformly. Input and output are {@link RgbImage}s of the same size.
 */
public final class Surrogate {
    /** How the transforms combine into one surrogate. */
    public enum Mode {
        ALL, ONE;

        public static final List<String> NAMES = List.of("all", "one");

        public static Mode byName(String name) {
            return switch (name) {
                case "all" -> ALL;
                case "one" -> ONE;
                default -> throw Check.unknownName("surrogate mode (reid.augment.surrogate.mode)", name, NAMES);
            };
        }
    }

    private final SurrogateConfig config;
    private final Mode mode;

    public Surrogate(SurrogateConfig config) {
        this.config = config;
        this.mode = Mode.byName(config.mode());
    }

    /** One surrogate of {@code img}; every draw comes from {@code rnd} ({@link #draw}, then {@link #apply(RgbImage, Transform)}). */
    public RgbImage apply(RgbImage img, SplittableRandom rnd) {
        return apply(img, draw(img.height(), img.width(), rnd));
    }

    /**
     * The parameters of one surrogate of an image of {@code height x width}, drawn from {@code rnd} in the order the
     * transforms run (the draws do not depend on the pixels, so drawing first and applying after is the same stream).
     */
    public Transform draw(int height, int width, SplittableRandom rnd) {
        SurrogateConfig c = config;
        if (mode == Mode.ALL) {
            Jitter jitter = drawJitter(c.brightness(), c.contrast(), c.saturation(), c.hue(), rnd);
            double angle = RandomErasing.uniform(rnd, -c.rotation(), c.rotation());
            return new Transform(jitter, angle, drawCrop(height, width, c.cropMinArea(), c.cropMaxArea(), rnd), true);
        }
        return switch (rnd.nextInt(3)) {
            case 0 -> new Transform(drawJitter(c.brightness(), c.contrast(), c.saturation(), c.hue(), rnd), null, null, false);
            case 1 -> new Transform(null, RandomErasing.uniform(rnd, -c.rotation(), c.rotation()), null, false);
            default -> new Transform(null, null, drawCrop(height, width, c.cropMinArea(), c.cropMaxArea(), rnd), true);
        };
    }

    /** {@code img} through the drawn {@code transform}: colour jitter, rotation, crop, each where drawn. */
    public static RgbImage apply(RgbImage img, Transform transform) {
        RgbImage out = img;
        if (transform.jitter() != null) out = colorJitter(out, transform.jitter());
        if (transform.rotation() != null) out = rotate(out, transform.rotation());
        if (transform.crop() != null) out = crop(out, transform.crop());
        return out;
    }

    /**
     * The parameters one surrogate drew, so that {@link #apply(RgbImage, Transform)} on the same image gives the same
     * bytes ({@link #toMap()} / {@link #fromJson} give it a JSON form that keeps every value exactly).
     *
     * @param jitter    the colour jitter, or null when not drawn
     * @param rotation  the rotation in degrees (counter-clockwise), or null when not drawn
     * @param crop      the crop, or null when none was drawn or none fitted ({@code cropDrawn} tells which)
     * @param cropDrawn whether a crop was drawn (a drawn crop that did not fit leaves the image unchanged)
     */
    public record Transform(Jitter jitter, Double rotation, Crop crop, boolean cropDrawn) {
        /** {@code jitter}, {@code rotation} and {@code crop} where present, as JSON-ready maps and numbers. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (jitter != null) {
                Map<String, Object> j = new LinkedHashMap<>();
                if (jitter.brightness() != null) j.put("brightness", jitter.brightness());
                if (jitter.contrast() != null) j.put("contrast", jitter.contrast());
                if (jitter.saturation() != null) j.put("saturation", jitter.saturation());
                if (jitter.hue() != null) j.put("hue", jitter.hue());
                List<String> order = new ArrayList<>();
                for (int op : jitter.order()) order.add(Jitter.OPS.get(op));
                j.put("order", order);
                m.put("jitter", j);
            }
            if (rotation != null) m.put("rotation", rotation);
            if (cropDrawn) {
                Map<String, Object> c = null;
                if (crop != null) {
                    c = new LinkedHashMap<>();
                    c.put("top", crop.top());
                    c.put("left", crop.left());
                    c.put("height", crop.height());
                    c.put("width", crop.width());
                }
                m.put("crop", c);
            }
            return m;
        }

        /** The transform {@link #toMap()} wrote. */
        public static Transform fromJson(JsonNode j) {
            Jitter jitter = null;
            if (j.has("jitter")) {
                JsonNode t = j.get("jitter");
                int[] order = new int[t.get("order").size()];
                for (int i = 0; i < order.length; i++) {
                    String name = t.get("order").get(i).asText();
                    order[i] = Jitter.OPS.indexOf(name);
                    if (order[i] < 0) throw new IllegalArgumentException("unknown colour jitter step '" + name + "' in " + j);
                }
                jitter = new Jitter(number(t, "brightness"), number(t, "contrast"), number(t, "saturation"), number(t, "hue"), order);
            }
            Crop crop = null;
            JsonNode c = j.get("crop");
            if (c != null && !c.isNull()) {
                crop = new Crop(c.get("top").asInt(), c.get("left").asInt(), c.get("height").asInt(), c.get("width").asInt());
            }
            return new Transform(jitter, number(j, "rotation"), crop, j.has("crop"));
        }

        private static Double number(JsonNode j, String name) {
            return j.has(name) ? j.get(name).doubleValue() : null;
        }
    }

    /**
     * A colour jitter's draws: each factor (null = that step is off) and the order of the four steps.
     *
     * @param brightness brightness factor, or null
     * @param contrast   contrast factor, or null
     * @param saturation saturation factor, or null
     * @param hue        hue shift in turns, or null
     * @param order      the steps in the order applied, indices into {@link #OPS}
     */
    public record Jitter(Double brightness, Double contrast, Double saturation, Double hue, int[] order) {
        /** The steps' names, by index. */
        public static final List<String> OPS = List.of("brightness", "contrast", "saturation", "hue");
    }

    /** A crop window ({@code height x width} at {@code top, left}), resized back to the image's size. */
    public record Crop(int top, int left, int height, int width) {
    }

    /**
     * Colour jitter: brightness, contrast and saturation factors drawn from {@code [max(0, 1 - x), 1 + x]}, a hue
     * shift from {@code [-hue, hue]} (fraction of the colour circle), applied in a random order as torchvision does.
     * Brightness scales the values; contrast blends with the mean grey level; saturation with each pixel's grey
     * level (ITU-R 601 luma, as PIL's {@code convert("L")}); hue rotates in HSV. Values are clipped to
     * {@code [0, 255]} after each step and rounded once at the end.
     */
    public static RgbImage colorJitter(RgbImage img, double brightness, double contrast, double saturation, double hue,
                                       SplittableRandom rnd) {
        return colorJitter(img, drawJitter(brightness, contrast, saturation, hue, rnd));
    }

    /** The draws of {@link #colorJitter(RgbImage, double, double, double, double, SplittableRandom)}. */
    public static Jitter drawJitter(double brightness, double contrast, double saturation, double hue, SplittableRandom rnd) {
        double b = factor(rnd, brightness);
        double c = factor(rnd, contrast);
        double s = factor(rnd, saturation);
        double hShift = hue > 0 ? RandomErasing.uniform(rnd, -hue, hue) : 0;
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new Jitter(brightness > 0 ? b : null, contrast > 0 ? c : null, saturation > 0 ? s : null,
                hue > 0 ? hShift : null, order);
    }

    /** {@code img} through the drawn colour jitter. */
    public static RgbImage colorJitter(RgbImage img, Jitter jitter) {
        byte[] in = img.rgb();
        float[] f = new float[in.length];
        for (int i = 0; i < in.length; i++) f[i] = in[i] & 0xFF;
        for (int op : jitter.order()) {
            switch (op) {
                case 0 -> {
                    if (jitter.brightness() != null) brightness(f, (float) (double) jitter.brightness());
                }
                case 1 -> {
                    if (jitter.contrast() != null) contrast(f, (float) (double) jitter.contrast());
                }
                case 2 -> {
                    if (jitter.saturation() != null) saturation(f, (float) (double) jitter.saturation());
                }
                default -> {
                    if (jitter.hue() != null) hue(f, jitter.hue());
                }
            }
        }
        byte[] out = new byte[in.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (int) (f[i] + 0.5f);
        return new RgbImage(img.height(), img.width(), out);
    }

    private static double factor(SplittableRandom rnd, double jitter) {
        return jitter > 0 ? RandomErasing.uniform(rnd, Math.max(0, 1 - jitter), 1 + jitter) : 1;
    }

    private static float clip(float v) {
        return v < 0 ? 0 : Math.min(v, 255f);
    }

    private static float gray(float r, float g, float b) {
        return 0.299f * r + 0.587f * g + 0.114f * b;
    }

    private static void brightness(float[] f, float factor) {
        for (int i = 0; i < f.length; i++) f[i] = clip(f[i] * factor);
    }

    private static void contrast(float[] f, float factor) {
        double sum = 0;
        for (int i = 0; i < f.length; i += 3) sum += gray(f[i], f[i + 1], f[i + 2]);
        float mean = (float) Math.floor(sum / (f.length / 3) + 0.5); // PIL's integer mean
        float shift = (1 - factor) * mean;
        for (int i = 0; i < f.length; i++) f[i] = clip(factor * f[i] + shift);
    }

    private static void saturation(float[] f, float factor) {
        for (int i = 0; i < f.length; i += 3) {
            float g = (1 - factor) * gray(f[i], f[i + 1], f[i + 2]);
            f[i] = clip(factor * f[i] + g);
            f[i + 1] = clip(factor * f[i + 1] + g);
            f[i + 2] = clip(factor * f[i + 2] + g);
        }
    }

    /** Shifts the HSV hue of every pixel by {@code shift} turns. */
    private static void hue(float[] f, double shift) {
        for (int i = 0; i < f.length; i += 3) {
            float r = f[i];
            float g = f[i + 1];
            float b = f[i + 2];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0) continue; // grey: hue undefined, unchanged
            double h;
            if (max == r) h = ((g - b) / delta) / 6.0;
            else if (max == g) h = (2 + (b - r) / delta) / 6.0;
            else h = (4 + (r - g) / delta) / 6.0;
            h += shift;
            h -= Math.floor(h);
            double sector = h * 6;
            int k = (int) sector;
            float fr = (float) (sector - k);
            float v = max;
            float p = min;
            float q = v - delta * fr;
            float t = p + delta * fr;
            switch (k % 6) {
                case 0 -> set(f, i, v, t, p);
                case 1 -> set(f, i, q, v, p);
                case 2 -> set(f, i, p, v, t);
                case 3 -> set(f, i, p, q, v);
                case 4 -> set(f, i, t, p, v);
                default -> set(f, i, v, p, q);
            }
        }
    }

    private static void set(float[] f, int i, float r, float g, float b) {
        f[i] = r;
        f[i + 1] = g;
        f[i + 2] = b;
    }

    /**
     * {@code img} rotated counter-clockwise by {@code degrees} about its centre (PIL's convention; a negative angle
     * turns clockwise), same size, bilinear, the uncovered corners black.
     */
    public static RgbImage rotate(RgbImage img, double degrees) {
        int h = img.height();
        int w = img.width();
        byte[] in = img.rgb();
        byte[] out = new byte[in.length];
        double theta = Math.toRadians(degrees);
        float cos = (float) Math.cos(theta);
        float sin = (float) Math.sin(theta);
        float cx = w / 2f;
        float cy = h / 2f;
        for (int y = 0; y < h; y++) {
            float dy = y + 0.5f - cy;
            for (int x = 0; x < w; x++) {
                float dx = x + 0.5f - cx;
                // source position of this output pixel's centre, in index coordinates
                float sx = cos * dx - sin * dy + cx - 0.5f;
                float sy = sin * dx + cos * dy + cy - 0.5f;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
                float ax = sx - x0;
                float ay = sy - y0;
                float w00 = (1 - ax) * (1 - ay);
                float w01 = ax * (1 - ay);
                float w10 = (1 - ax) * ay;
                float w11 = ax * ay;
                boolean inX0 = x0 >= 0;
                boolean inX1 = x0 + 1 < w;
                boolean inY0 = y0 >= 0;
                boolean inY1 = y0 + 1 < h;
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    float v = 0;
                    if (inY0 && inX0) v += w00 * (in[(y0 * w + x0) * 3 + c] & 0xFF);
                    if (inY0 && inX1) v += w01 * (in[(y0 * w + x0 + 1) * 3 + c] & 0xFF);
                    if (inY1 && inX0) v += w10 * (in[((y0 + 1) * w + x0) * 3 + c] & 0xFF);
                    if (inY1 && inX1) v += w11 * (in[((y0 + 1) * w + x0 + 1) * 3 + c] & 0xFF);
                    out[o + c] = (byte) Math.min(255, (int) (v + 0.5f));
                }
            }
        }
        return new RgbImage(h, w, out);
    }

    /**
     * PAUL's random crop of an area fraction drawn from {@code [minArea, maxArea]}, resized back to the image's
     * size (bilinear). Up to 100 draws of the crop's shape; if none fits the image is returned unchanged.
     */
    public static RgbImage crop(RgbImage img, double minArea, double maxArea, SplittableRandom rnd) {
        Crop c = drawCrop(img.height(), img.width(), minArea, maxArea, rnd);
        return c == null ? img : crop(img, c);
    }

    /** The draws of {@link #crop(RgbImage, double, double, SplittableRandom)}: the window, or null when none fits. */
    public static Crop drawCrop(int h, int w, double minArea, double maxArea, SplittableRandom rnd) {
        double area = (double) h * w;
        for (int attempt = 0; attempt < 100; attempt++) {
            double ratio = RandomErasing.uniform(rnd, minArea, maxArea);
            int cw = (int) RandomErasing.uniform(rnd, Math.round(ratio * w), w);
            if (cw <= 0) continue;
            int ch = (int) (ratio * area / cw);
            if (cw <= w && ch <= h && ch > 0) {
                int left = rnd.nextInt(w - cw + 1);
                int top = rnd.nextInt(h - ch + 1);
                return new Crop(top, left, ch, cw);
            }
        }
        return null;
    }

    /** The window {@code crop} of {@code img}, resized back to the image's size (bilinear). */
    public static RgbImage crop(RgbImage img, Crop crop) {
        return Resize.bilinear(cut(img, crop.top(), crop.left(), crop.height(), crop.width()), img.height(), img.width());
    }

    /** The {@code ch x cw} window of {@code img} at ({@code top}, {@code left}). */
    public static RgbImage cut(RgbImage img, int top, int left, int ch, int cw) {
        byte[] in = img.rgb();
        byte[] out = new byte[ch * cw * 3];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(in, ((top + y) * img.width() + left) * 3, out, y * cw * 3, cw * 3);
        }
        return new RgbImage(ch, cw, out);
    }
}
