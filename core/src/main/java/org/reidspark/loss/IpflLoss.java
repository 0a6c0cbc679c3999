package org.reidspark.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * IPFL, PAUL's image-level feature learning loss ("Patch-based Discriminative Feature Learning for Unsupervised
 * Person Re-identification", Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308, section 3.3), following the
 * official code ({@code QizeYang/PAUL}, {@code src/loss/myloss.py}, {@code Ipfl.forward}) where it differs from
 * METHODS.md's wording. Every view of every image in the batch (the image and its augmented surrogates, {@code num}
 * rows per image, grouped by image) is an anchor; the positive and the negative are image-level <em>centers</em>, not
 * views: {@code c_j} is image {@code j}'s entry in the image memory ({@code smooth.py SmoothingForImage}: the mean of
 * the image's views, detached, momentum 0.1, updated before the loss; here a
 * {@code paul.PatchMemoryBank} with one patch fed {@link #viewMeans}). For anchor row {@code i}
 * of image {@code l} with negative image {@code n_i} (cyclic ranking,
 * {@code paul.CyclicRanking#inBatch}):
 * <pre>
 * d+_i = ||f_i - c_l||                   (Euclidean, not squared: the code's pow(2).sum then sqrt)
 * d-_i = ||f_i - c_{n_i}||, or 0 when there is no negative (the code appends tensor([0.]))
 * L    = (1/V) sum_i max(0, margin + d+_i - d-_i)
 * </pre>
 * METHODS.md's "mean distance to the anchor's own views" is, in the code, {@code same.mean()} over the centers of the
 * anchor's own image: one center, so {@code d+_i}. The centers are constants (no gradient); the gradient reaches the
 * anchors only. The margin is 2 ({@code unsupervised_train.py --margin 2}; {@code Ipfl.__init__}'s own default, 1,
 * is overridden). The code feeds IPFL the concatenated embeddings ({@code embedding_list}), not the patch features;
 * its weight is 1 ({@code --iloss}).
 *
 * <p>Gradient: where the hinge is positive, {@code dL/df_i = ((f_i - c_l)/d+_i - (f_i - c_{n_i})/d-_i) / V} (the
 * second term absent without a negative); a distance of exactly 0 contributes no gradient (the code's sqrt would give
 * NaN there); zero where the hinge is 0.
 *
 * <p>Shapes: input (view features) {@code [V, D]} with {@code V = B * viewsPerImage}; the {@link Targets} array
 * {@value #CENTERS} {@code [C, D]}, {@code C >= B}: the batch's {@code B} image centers first (row {@code l} is image
 * {@code l}'s), then any further centers a negative may be (global mining's negatives, read from the image memory,
 * {@code paul.GlobalNegatives}); the per-sample ints {@value #NEGATIVE}, V values in {@code [0, C)} other than the
 * anchor's own image, or -1 for none; gradient {@code [V, D]} in the input's type.
 */
public final class IpflLoss implements Loss {
    /** The {@link Targets} array holding the batch's image centers, then any further negatives' {@code [C, D]}. */
    public static final String CENTERS = "image-centers";
    /** The {@link Targets} per-sample ints holding each view's negative image (-1 for none). */
    public static final String NEGATIVE = "negative";
    /** The official margin ({@code unsupervised_train.py}, {@code --margin}, default 2). */
    public static final double OFFICIAL_MARGIN = 2;

    private final double margin;
    private final int viewsPerImage;

    /**
     * @param margin        the hinge margin ({@link #OFFICIAL_MARGIN})
     * @param viewsPerImage views per image in the input (PAUL: 2, {@code --num})
     */
    public IpflLoss(double margin, int viewsPerImage) {
        if (!(margin >= 0) || Double.isInfinite(margin)) throw new IllegalArgumentException("IPFL margin must be >= 0, got " + margin);
        if (viewsPerImage < 1) throw new IllegalArgumentException("IPFL needs viewsPerImage >= 1, got " + viewsPerImage);
        this.margin = margin;
        this.viewsPerImage = viewsPerImage;
    }

    public double margin() {
        return margin;
    }

    public int viewsPerImage() {
        return viewsPerImage;
    }

    /** The mean of each image's views, {@code [V, D] -> [V / viewsPerImage, D]}: what the image memory is updated with. */
    public static INDArray viewMeans(INDArray views, int viewsPerImage) {
        if (viewsPerImage < 1) throw new IllegalArgumentException("viewsPerImage must be >= 1, got " + viewsPerImage);
        if (views.rank() != 2 || views.size(0) % viewsPerImage != 0 || views.size(0) == 0) {
            throw new IllegalArgumentException("expected views [images * " + viewsPerImage + ", D], got " + Arrays.toString(views.shape()));
        }
        long b = views.size(0) / viewsPerImage;
        return views.dup('c').reshape(b, viewsPerImage, views.size(1)).mean(1);
    }

    @Override
    public LossResult compute(INDArray features, Targets targets) {
        INDArray centers = targets.array(CENTERS);
        int[] negative = targets.ints(NEGATIVE);
        if (centers.rank() != 2 || centers.size(0) < 1) {
            throw new IllegalArgumentException("IPFL expects centers [images, dim], got " + Arrays.toString(centers.shape()));
        }
        int rows = (int) centers.size(0);
        long dim = centers.size(1);
        if (features.rank() != 2 || features.size(0) < 1 || features.size(0) % viewsPerImage != 0 || features.size(1) != dim) {
            throw new IllegalArgumentException("IPFL expects features [images * " + viewsPerImage + ", " + dim
                    + "] (the centers' dimension), got " + Arrays.toString(features.shape()));
        }
        int v = (int) features.size(0);
        int b = v / viewsPerImage;
        if (rows < b) {
            throw new IllegalArgumentException("IPFL expects a center for each of the batch's " + b + " images (" + v + " views x "
                    + viewsPerImage + "), got " + rows);
        }
        if (negative.length != v) throw new IllegalArgumentException("IPFL: " + v + " views but " + negative.length + " negatives");
        for (int i = 0; i < v; i++) {
            if (negative[i] < -1 || negative[i] >= rows) throw new IllegalArgumentException("negative " + negative[i] + " of view " + i + " is outside [-1, " + rows + ")");
            if (negative[i] == i / viewsPerImage) throw new IllegalArgumentException("negative of view " + i + " is its own image " + negative[i]);
        }
        double[][] f = features.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] c = centers.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] g = new double[v][(int) dim];
        double total = 0;
        for (int i = 0; i < v; i++) {
            double[] own = c[i / viewsPerImage];
            double dPos = distance(f[i], own);
            double dNeg = negative[i] < 0 ? 0 : distance(f[i], c[negative[i]]);
            double hinge = margin + dPos - dNeg;
            if (!(hinge > 0)) continue;
            total += hinge;
            if (dPos > 0) for (int k = 0; k < dim; k++) g[i][k] += (f[i][k] - own[k]) / (dPos * v);
            if (negative[i] >= 0 && dNeg > 0) {
                double[] neg = c[negative[i]];
                for (int k = 0; k < dim; k++) g[i][k] -= (f[i][k] - neg[k]) / (dNeg * v);
            }
        }
        return new LossResult(total / v, Nd4j.create(g).castTo(features.dataType()));
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double t = a[k] - b[k];
            s += t * t;
        }
        return Math.sqrt(s);
    }
}
