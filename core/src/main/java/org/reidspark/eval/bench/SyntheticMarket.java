package org.reidspark.eval.bench;

import org.reidspark.eval.Labels;

import java.util.SplittableRandom;

/**
 * A Market-1501-sized evaluation case of identity-structured random embeddings: 3,368 queries and 15,913 gallery
 * images (about 17.5% of them distractors, pid 0) of 751 identities under 6 cameras. An embedding is its
 * identity's centre plus its camera's bias plus per-image noise, all Gaussian; the noise level makes the ranking
 * about as hard as a real model's (mAP around 0.6-0.8). Every row is generated from its own seed, so any prefix
 * (the 1/4-scale case) is the same data.
 *
 * @param queries  query embeddings, row-major {@code nq x dim}
 * @param gallery  gallery embeddings, row-major {@code ng x dim}
 */
public record SyntheticMarket(float[] queries, float[] gallery, Labels queryLabels, Labels galleryLabels, int dim) {
    public static final int QUERIES = 3368;
    public static final int GALLERY = 15913;
    public static final int IDENTITIES = 751;
    public static final int CAMERAS = 6;
    /** Camera bias and per-image noise, relative to the identity centres (unit-variance components). */
    static final double CAMERA_BIAS = 0.5;
    static final double NOISE = 2.9;

    public int nq() {
        return queryLabels.size();
    }

    public int ng() {
        return galleryLabels.size();
    }

    /** The first {@code round(scale * 3368)} queries and {@code round(scale * 15913)} gallery images. */
    public static SyntheticMarket generate(double scale, int dim, long seed) {
        Labels[] labels = labels(scale, seed);
        int nq = labels[0].size();
        int ng = labels[1].size();
        float[][] centres = new float[IDENTITIES + 1][];
        float[][] cams = new float[CAMERAS][];
        for (int c = 0; c < CAMERAS; c++) cams[c] = gaussian(new SplittableRandom(mix(seed, -1 - c)), dim, CAMERA_BIAS);
        float[] q = new float[Math.multiplyExact(nq, dim)];
        float[] g = new float[Math.multiplyExact(ng, dim)];
        for (int i = 0; i < nq + ng; i++) {
            boolean isQuery = i < nq;
            int row = isQuery ? i : i - nq;
            long rowSeed = mix(seed, isQuery ? row : QUERIES + row);
            SplittableRandom r = new SplittableRandom(rowSeed);
            int cam = r.nextInt(CAMERAS);
            r.nextDouble();
            int pid = (isQuery ? labels[0] : labels[1]).pids()[row];
            float[] centre;
            if (pid == 0) {
                centre = gaussian(new SplittableRandom(mix(rowSeed, 99)), dim, 1.0);
            } else {
                if (centres[pid] == null) centres[pid] = gaussian(new SplittableRandom(mix(seed, 1_000_000 + pid)), dim, 1.0);
                centre = centres[pid];
            }
            float[] dst = isQuery ? q : g;
            int off = row * dim;
            for (int k = 0; k < dim; k++) dst[off + k] = (float) (centre[k] + cams[cam][k] + NOISE * r.nextGaussian());
        }
        return new SyntheticMarket(q, g, labels[0], labels[1], dim);
    }

    /** The query and gallery labels of {@link #generate} alone (cheap: no embeddings). */
    public static Labels[] labels(double scale, long seed) {
        int nq = (int) Math.round(QUERIES * scale);
        int ng = (int) Math.round(GALLERY * scale);
        if (nq < 1 || ng < 1) throw new IllegalArgumentException("scale " + scale + " leaves no queries or gallery");
        int[] qp = new int[nq];
        int[] qc = new int[nq];
        int[] gp = new int[ng];
        int[] gc = new int[ng];
        for (int i = 0; i < nq + ng; i++) {
            boolean isQuery = i < nq;
            int row = isQuery ? i : i - nq;
            SplittableRandom r = new SplittableRandom(mix(seed, isQuery ? row : QUERIES + row));
            int cam = r.nextInt(CAMERAS);
            boolean distractor = r.nextDouble() < 0.1755 && !isQuery;
            int pid = distractor ? 0 : 1 + (int) Math.floorMod(isQuery ? row : row * 7L + 3, (long) IDENTITIES);
            if (isQuery) {
                qp[row] = pid;
                qc[row] = cam;
            } else {
                gp[row] = pid;
                gc[row] = cam;
            }
        }
        return new Labels[] {Labels.of("synthetic query", qp, qc), Labels.of("synthetic gallery", gp, gc)};
    }

    private static float[] gaussian(SplittableRandom r, int dim, double scale) {
        float[] v = new float[dim];
        for (int k = 0; k < dim; k++) v[k] = (float) (scale * r.nextGaussian());
        return v;
    }

    static long mix(long seed, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + i * 0xC2B2AE3D27D4EB4FL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
