package org.reidspark.data;

import java.util.SplittableRandom;

/**
 * Derives independent seeds from a master seed and a path of integers (epoch, batch, position, ...),
 * so every random stream of a run is a pure function of the run's seed and where it is used, and does
 * not depend on thread count or scheduling. The mixer is SplitMix64's finalizer (Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014).
 */
public final class Seeds {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** A seed determined by {@code seed} and the ordered {@code path}; different paths give unrelated seeds. */
    public static long derive(long seed, long... path) {
        long h = mix(seed + GOLDEN);
        for (long p : path) h = mix(h ^ mix(p + GOLDEN)) + GOLDEN;
        return h;
    }

    /** A fresh generator seeded by {@link #derive(long, long...)}. */
    public static SplittableRandom random(long seed, long... path) {
        return new SplittableRandom(derive(seed, path));
    }

    /** SplitMix64's 64-bit finalizer: a bijection with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
