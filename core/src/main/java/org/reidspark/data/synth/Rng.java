package org.reidspark.data.synth;

import java.awt.Color;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic random stream keyed by a tuple of longs, e.g. {@code (seed, IDENTITY, pid)} or
 * {@code (seed, IMAGE, pid, k)}: the same key gives the same numbers in any thread and any order, which is
 * what keeps the generator's bytes independent of its thread count. SplitMix64 underneath
 * ({@link SplittableRandom}, whose algorithm the JDK specifies); Gaussians by Box-Muller here, not the JDK's.
 */
final class Rng {
    /** Stream kinds, so that keys of different purposes never collide. */
    static final long PLAN = 1, IDENTITY = 2, CAMERA = 3, IMAGE = 4, OCCLUDER = 7, SCHEME = 8;

    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    private Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    static Rng of(long... key) {
        long h = 0x243F6A8885A308D3L;
        for (long k : key) h = mix(h ^ mix(k + 0x9E3779B97F4A7C15L));
        return new Rng(h);
    }

    /** Stafford's mix13 finaliser (the one SplitMix64 uses). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    double uniform() {
        return random.nextDouble();
    }

    double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    /** 0..n-1 */
    int nextInt(int n) {
        return random.nextInt(n);
    }

    /** lo..hi inclusive */
    int range(int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    long nextLong() {
        return random.nextLong();
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Standard normal by Box-Muller; the pair's second value is kept for the next call. */
    double gaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u = 1.0 - random.nextDouble();
        double v = 2 * Math.PI * random.nextDouble();
        double radius = Math.sqrt(-2 * Math.log(u));
        spare = radius * Math.sin(v);
        hasSpare = true;
        return radius * Math.cos(v);
    }

    /** -1 or 1 */
    int sign() {
        return random.nextBoolean() ? 1 : -1;
    }

    <T> T pick(T[] items) {
        return items[random.nextInt(items.length)];
    }

    <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    /** Index drawn with probability proportional to {@code weights}. */
    int weighted(double... weights) {
        double total = 0;
        for (double w : weights) total += w;
        double x = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) return i;
        }
        return weights.length - 1;
    }

    /** {@code c} with its channels moved by up to {@code amount} (0..255 scale), brightness kept coherent. */
    Color jitter(Color c, double amount) {
        double common = uniform(-amount, amount) * 0.6;
        return new Color(clamp(c.getRed() + common + uniform(-amount, amount) * 0.4),
                clamp(c.getGreen() + common + uniform(-amount, amount) * 0.4),
                clamp(c.getBlue() + common + uniform(-amount, amount) * 0.4));
    }

    /** Rounds to 0..255. */
    static int clamp(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) (v + 0.5);
    }

    /** In-place Fisher-Yates shuffle. */
    void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
