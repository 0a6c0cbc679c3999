package org.reidspark.data.augment;

import org.reidspark.config.Check;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020, https://arxiv.org/abs/1708.04896),
 * with BoT's parameters and procedure (https://arxiv.org/abs/1903.07071, {@code reid-strong-baseline}'s
 * {@code RandomErasing}): with probability {@code p}, up to 100 attempts to draw a rectangle of area
 * {@code U(minArea, maxArea) * H * W} and aspect ratio (height / width) {@code U(minAspect, 1 / minAspect)} that
 * fits strictly inside the image; the first that fits is placed uniformly and filled. It works on the
 * normalized CHW floats (after {@code Normalize}, as BoT applies it), one image of shape {@code [3, H, W]}.
 *
 * <p>Fill {@link Fill#MEAN} writes the dataset mean pixel, which is 0 once normalized (Zhong et al.'s and
 * fast-reid's choice; BoT writes the literal ImageNet mean values into the normalized tensor, an offset we do
 * not copy). {@link Fill#RANDOM} writes standard-normal values, torchvision's {@code value="random"}.
 */
public final class RandomErasing {
    /** The number of placements tried before giving up on an image (BoT's value). */
    public static final int ATTEMPTS = 100;

    /** What the erased rectangle is filled with. */
    public enum Fill {
        MEAN, RANDOM;

        public static final List<String> NAMES = List.of("mean", "random");

        public static Fill byName(String name) {
            return switch (name) {
                case "mean" -> MEAN;
                case "random" -> RANDOM;
                default -> throw Check.unknownName("erasing fill (reid.augment.erasing-fill)", name, NAMES);
            };
        }
    }

    /** An erased rectangle: rows {@code top..top+height-1}, columns {@code left..left+width-1}. */
    public record Rect(int top, int left, int height, int width) {
        public int area() {
            return height * width;
        }
    }

    private final double p;
    private final double minArea;
    private final double maxArea;
    private final double minAspect;
    private final Fill fill;

    public RandomErasing(double p, double minArea, double maxArea, double minAspect, Fill fill) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("erasing probability " + p);
        if (!(minArea > 0 && minArea <= maxArea && maxArea < 1)) {
            throw new IllegalArgumentException("erasing area range [" + minArea + ", " + maxArea + "]");
        }
        if (!(minAspect > 0 && minAspect <= 1)) throw new IllegalArgumentException("erasing min aspect " + minAspect);
        this.p = p;
        this.minArea = minArea;
        this.maxArea = maxArea;
        this.minAspect = minAspect;
        this.fill = fill;
    }

    public double p() {
        return p;
    }

    /**
     * Erases one rectangle of the {@code [3, h, w]} image starting at {@code offset} in {@code chw}, with
     * probability {@code p}. Returns the rectangle, or null when the image was left alone.
     */
    public Rect apply(float[] chw, int offset, int h, int w, SplittableRandom rnd) {
        if (rnd.nextDouble() >= p) return null;
        double area = (double) h * w;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = uniform(rnd, minArea, maxArea) * area;
            double aspect = uniform(rnd, minAspect, 1 / minAspect);
            int eh = (int) Math.round(Math.sqrt(target * aspect));
            int ew = (int) Math.round(Math.sqrt(target / aspect));
            if (ew < w && eh < h && ew > 0 && eh > 0) {
                int top = rnd.nextInt(h - eh + 1);
                int left = rnd.nextInt(w - ew + 1);
                int plane = h * w;
                for (int c = 0; c < 3; c++) {
                    for (int y = top; y < top + eh; y++) {
                        int row = offset + c * plane + y * w;
                        for (int x = left; x < left + ew; x++) {
                            chw[row + x] = fill == Fill.MEAN ? 0f : (float) rnd.nextGaussian();
                        }
                    }
                }
                return new Rect(top, left, eh, ew);
            }
        }
        return null;
    }

    static double uniform(SplittableRandom rnd, double lo, double hi) {
        return lo + (hi - lo) * rnd.nextDouble();
    }
}
