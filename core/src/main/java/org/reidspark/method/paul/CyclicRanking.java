package org.reidspark.method.paul;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * PAUL's cyclic-ranking negative mining ("Patch-based Discriminative Feature Learning for Unsupervised Person
 * Re-identification", CVPR 2019, https://arxiv.org/abs/1904.01308, section 3.3, figure 4): walk the anchor's ranking,
 * nearest first; the first candidate whose own ranking does not put the anchor near its top is taken as a hard
 * negative (two images that are not each other's near neighbours are likely different people).
 *
 * <p><b>In the batch, as the official code</b> ({@code QizeYang/PAUL}, {@code src/loss/myloss.py},
 * {@code Ipfl.forward}, {@code max_iter=15}, {@code nearest=3}), where it differs from METHODS.md's wording: the
 * anchors are all {@code V = B * num} view features (each image in the batch with its surrogates, rows grouped by
 * image: image {@code j} owns rows {@code j*num .. j*num+num-1}); what is ranked are the {@code B} image-level
 * <em>centers</em> (IPFL's image memory, the momentum-smoothed mean of each image's views,
 * {@code smooth.py SmoothingForImage}), not the views. For anchor row {@code i} of image {@code l}:
 * <ol>
 *   <li>the other images' centers are sorted by distance to the anchor's view feature;</li>
 *   <li>for the first {@code min(maxCandidates, B - 1)} of them, candidate {@code c} is tested: its {@code nearest}
 *       closest centers <em>counting itself</em> (distance 0; the code sorts {@code c}'s distances to all centers
 *       and keeps {@code sindex[:nearest]}) are computed; if {@code l} is not among them, {@code c} is the negative
 *       and the walk stops;</li>
 *   <li>when no candidate qualifies, there is no negative: {@link #NONE}. The code then uses 0 as the negative
 *       distance (IPFL becomes {@code margin + d(anchor, own center)}), see {@link org.reidspark.loss.IpflLoss}.</li>
 * </ol>
 * So with {@code nearest = 3} the candidate itself takes one of the three places and its two closest other images
 * the rest (METHODS.md's "the candidate itself and its surrogate take two of the three" describes views; the code
 * ranks one center per image). Distances are Euclidean (the ranking is the same as for squared ones); ties are broken
 * by the lower index.
 *
 * <p><b>Over a whole set</b> ({@link #global}, for a distributed job): each image's top-n neighbour list (other
 * images, nearest first, computed elsewhere) replaces the batch's distances; the walk and the test are the same, with
 * the anchor's own list as its ranking and the candidate's list as the candidate's. A global test with a small
 * {@code nearest} is weak when an identity has many images (METHODS.md: on 50 identities x 20 images, a global
 * top-3 test returned a same-identity negative for 99.9% of anchors): choose {@code nearest} with the images per
 * identity in mind.
 */
public final class CyclicRanking {
    /** The official walk length ({@code Ipfl.__init__}, {@code max_iter=15}). */
    public static final int OFFICIAL_MAX_CANDIDATES = 15;
    /** The official test size, the candidate itself included ({@code Ipfl.__init__}, {@code nearest=3}; the paper's r = 3). */
    public static final int OFFICIAL_NEAREST = 3;
    /** The result for an anchor without a qualifying candidate. */
    public static final int NONE = -1;

    private final int maxCandidates;
    private final int nearest;

    /**
     * @param maxCandidates how many of the anchor's nearest images are tested, at most ({@link #OFFICIAL_MAX_CANDIDATES})
     * @param nearest       size of the candidate's top list that must not hold the anchor, the candidate itself
     *                      counted as its own first entry ({@link #OFFICIAL_NEAREST})
     */
    public CyclicRanking(int maxCandidates, int nearest) {
        if (maxCandidates < 1) throw new IllegalArgumentException("cyclic ranking needs maxCandidates >= 1, got " + maxCandidates);
        if (nearest < 1) throw new IllegalArgumentException("cyclic ranking needs nearest >= 1, got " + nearest);
        this.maxCandidates = maxCandidates;
        this.nearest = nearest;
    }

    /** The official settings: 15 candidates, top 3. */
    public static CyclicRanking official() {
        return new CyclicRanking(OFFICIAL_MAX_CANDIDATES, OFFICIAL_NEAREST);
    }

    public int maxCandidates() {
        return maxCandidates;
    }

    /** Neighbours per image {@link #global} reads: the walk and the top-list test, {@code max(walk, nearest - 1)}. */
    public int neighboursNeeded() {
        return Math.max(maxCandidates, nearest - 1);
    }

    public int nearest() {
        return nearest;
    }

    /**
     * In-batch mining, as {@code Ipfl.forward}.
     *
     * @param views         anchors, {@code [B * viewsPerImage, D]}, rows grouped by image
     * @param centers       one center per image, {@code [B, D]}
     * @param viewsPerImage views per image (PAUL: 2, the image and its surrogate)
     * @return for each view row, the index of its negative image in {@code [0, B)}, or {@link #NONE}
     */
    public int[] inBatch(INDArray views, INDArray centers, int viewsPerImage) {
        if (viewsPerImage < 1) throw new IllegalArgumentException("viewsPerImage must be >= 1, got " + viewsPerImage);
        if (centers.rank() != 2 || centers.size(0) < 1) {
            throw new IllegalArgumentException("cyclic ranking expects centers [images, dim], got " + Arrays.toString(centers.shape()));
        }
        int b = (int) centers.size(0);
        if (views.rank() != 2 || views.size(0) != (long) b * viewsPerImage || views.size(1) != centers.size(1)) {
            throw new IllegalArgumentException("cyclic ranking expects views [" + ((long) b * viewsPerImage) + ", " + centers.size(1)
                    + "] (" + b + " images x " + viewsPerImage + " views), got " + Arrays.toString(views.shape()));
        }
        double[][] c = centers.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] v = views.castTo(DataType.DOUBLE).toDoubleMatrix();
        // each center's top list over all centers, itself included
        boolean[][] near = new boolean[b][b];
        for (int j = 0; j < b; j++) {
            double[] dj = new double[b];
            for (int q = 0; q < b; q++) dj[q] = squared(c[j], c[q]);
            for (int q : order(dj, -1, Math.min(nearest, b))) near[j][q] = true;
        }
        int[] negative = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            int label = i / viewsPerImage;
            double[] di = new double[b];
            for (int q = 0; q < b; q++) di[q] = squared(v[i], c[q]);
            negative[i] = NONE;
            for (int cand : order(di, label, Math.min(maxCandidates, b - 1))) {
                if (!near[cand][label]) {
                    negative[i] = cand;
                    break;
                }
            }
        }
        return negative;
    }

    /**
     * Mining over a whole set from precomputed neighbour lists. {@code neighbours[i]} lists other images of the set,
     * nearest first (an entry equal to {@code i} itself is skipped, so lists that start with the image itself work
     * too); each list must hold at least {@code min(nearest - 1, N - 1)} other images, enough to decide the test.
     * Anchor {@code i} walks the first {@code maxCandidates} images of its list; candidate {@code c} qualifies when
     * {@code i} is not among the first {@code nearest - 1} other images of {@code c}'s list (its top {@code nearest}
     * with itself counted, as in {@link #inBatch}).
     *
     * @return for each image, the index of its negative in {@code [0, N)}, or {@link #NONE}
     */
    public int[] global(int[][] neighbours) {
        int n = neighbours.length;
        int[][] others = new int[n][];
        for (int i = 0; i < n; i++) {
            if (neighbours[i] == null) throw new IllegalArgumentException("no neighbour list for image " + i);
            int self = i;
            others[i] = Arrays.stream(neighbours[i]).filter(q -> q != self).toArray();
            for (int q : others[i]) {
                if (q < 0 || q >= n) throw new IllegalArgumentException("neighbour " + q + " of image " + i + " is outside [0, " + n + ")");
            }
            int needed = Math.min(nearest - 1, n - 1);
            if (others[i].length < needed) {
                throw new IllegalArgumentException("image " + i + " has " + others[i].length + " neighbours other than itself; the top-"
                        + nearest + " test needs " + needed);
            }
        }
        int[] negative = new int[n];
        for (int i = 0; i < n; i++) {
            negative[i] = NONE;
            int walk = Math.min(maxCandidates, others[i].length);
            for (int j = 0; j < walk; j++) {
                int cand = others[i][j];
                boolean anchorNear = false;
                for (int t = 0; t < Math.min(nearest - 1, others[cand].length); t++) {
                    if (others[cand][t] == i) {
                        anchorNear = true;
                        break;
                    }
                }
                if (!anchorNear) {
                    negative[i] = cand;
                    break;
                }
            }
        }
        return negative;
    }

    /**
     * Exact neighbour lists of a small set by brute force: for each row of {@code embeddings} {@code [N, D]}, the
     * {@code min(n, N - 1)} other rows nearest first (Euclidean; ties by the lower index). For tests and small sets;
     * a distributed job computes its own.
     */
    public static int[][] neighbourLists(INDArray embeddings, int n) {
        if (embeddings.rank() != 2) throw new IllegalArgumentException("expected embeddings [N, D], got " + Arrays.toString(embeddings.shape()));
        if (n < 1) throw new IllegalArgumentException("neighbour lists need n >= 1, got " + n);
        double[][] e = embeddings.castTo(DataType.DOUBLE).toDoubleMatrix();
        int[][] lists = new int[e.length][];
        for (int i = 0; i < e.length; i++) {
            double[] d = new double[e.length];
            for (int q = 0; q < e.length; q++) d[q] = squared(e[i], e[q]);
            lists[i] = order(d, i, Math.min(n, e.length - 1));
        }
        return lists;
    }

    /** The {@code count} indices other than {@code skip} with the smallest values, ascending (ties: lower index). */
    private static int[] order(double[] values, int skip, int count) {
        return java.util.stream.IntStream.range(0, values.length).filter(q -> q != skip).boxed()
                .sorted((x, y) -> values[x] != values[y] ? Double.compare(values[x], values[y]) : Integer.compare(x, y))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }

    private static double squared(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double t = a[k] - b[k];
            s += t * t;
        }
        return s;
    }
}
