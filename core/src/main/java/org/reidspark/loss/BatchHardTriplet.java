package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch-hard triplet loss (Hermans, Beyer and Leibe, "In Defense of the Triplet Loss for Person Re-Identification",
 * 2017, https://arxiv.org/abs/1703.07737) on Euclidean distances of the raw (not normalized) features, as BoT
 * (https://arxiv.org/abs/1903.07071) applies it to the pre-BN feature: for every anchor {@code i}, the hardest
 * positive is its farthest same-label sample and the hardest negative its closest other-label sample;
 * <ul>
 *   <li>hinge: {@code L = (1/B) sum_i max(0, d(i, p_i) - d(i, n_i) + margin)} (BoT: margin 0.3);</li>
 *   <li>soft margin: {@code L = (1/B) sum_i log(1 + exp(d(i, p_i) - d(i, n_i)))}.</li>
 * </ul>
 * The gradient flows through the distances of the chosen pairs ({@code d(a,b)/da = (a - b) / d(a,b)}); the
 * argmax/argmin choice itself is piecewise constant. An anchor whose label no other sample in the batch shares has
 * {@code d(i, p_i) = 0}; a batch with a single label has no negatives and fails.
 *
 * <p>Shapes: features {@code [B, D]}, labels {@code B} ints; gradient {@code [B, D]}.
 */
public final class BatchHardTriplet implements Loss {
    /** Squared distances below this count as zero (no gradient through that pair), as BoT's clamp does. */
    private static final double MIN_SQUARED_DISTANCE = 1e-12;
    private final double margin;
    private final boolean softMargin;

    /**
     * @param margin     the hinge margin (ignored with the soft margin)
     * @param softMargin soft-margin variant instead of the hinge
     */
    public BatchHardTriplet(double margin, boolean softMargin) {
        if (!softMargin && !(margin > 0)) throw new IllegalArgumentException("triplet margin must be > 0, got " + margin);
        this.margin = margin;
        this.softMargin = softMargin;
    }

    public double margin() {
        return margin;
    }

    public boolean softMargin() {
        return softMargin;
    }

    /** Euclidean distances between the rows of {@code x} {@code [B, D]}: {@code [B, B]}, squared values clamped at 1e-12. */
    public static INDArray distances(INDArray x) {
        INDArray squared = squaredDistances(x);
        return org.nd4j.linalg.ops.transforms.Transforms.sqrt(
                org.nd4j.linalg.ops.transforms.Transforms.max(squared, MIN_SQUARED_DISTANCE, false), false);
    }

    private static INDArray squaredDistances(INDArray x) {
        long b = x.size(0);
        INDArray norms = x.mul(x).sum(1).reshape(b, 1);
        INDArray d2 = x.mmul(x.transpose()).muli(-2);
        d2.addiColumnVector(norms).addiRowVector(norms.reshape(1, b));
        return d2;
    }

    @Override
    public LossResult compute(INDArray x, Targets targets) {
        int[] labels = targets.labels();
        Loss.checkBatch("batch-hard triplet", x, labels);
        int b = labels.length;
        double[][] d2 = squaredDistances(x).toDoubleMatrix();
        double[][] w = new double[b][b];
        double value = 0;
        for (int i = 0; i < b; i++) {
            int pos = -1;
            int neg = -1;
            for (int j = 0; j < b; j++) {
                if (j == i) continue;
                if (labels[j] == labels[i]) {
                    if (pos < 0 || d2[i][j] > d2[i][pos]) pos = j;
                } else if (neg < 0 || d2[i][j] < d2[i][neg]) {
                    neg = j;
                }
            }
            if (neg < 0) {
                throw new IllegalArgumentException("batch-hard triplet needs at least two identities in the batch; all "
                        + b + " samples have label " + labels[i]);
            }
            double dap = pos < 0 ? 0 : Math.sqrt(Math.max(d2[i][pos], MIN_SQUARED_DISTANCE));
            double dan = Math.sqrt(Math.max(d2[i][neg], MIN_SQUARED_DISTANCE));
            double z = dap - dan;
            double dLdz;
            if (softMargin) {
                value += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
                dLdz = 1 / (1 + Math.exp(-z));
            } else {
                double h = z + margin;
                value += Math.max(0, h);
                dLdz = h > 0 ? 1 : 0;
            }
            dLdz /= b;
            if (dLdz == 0) continue;
            if (pos >= 0 && d2[i][pos] > MIN_SQUARED_DISTANCE) w[i][pos] += dLdz / dap;
            if (d2[i][neg] > MIN_SQUARED_DISTANCE) w[i][neg] -= dLdz / dan;
        }
        // Pair (i, j) with coefficient w_ij adds w_ij (x_i - x_j) to grad_i and w_ij (x_j - x_i) to grad_j:
        // with S = W + W^T, grad = diag(S 1) X - S X.
        double[][] s = new double[b][b];
        double[] rowSum = new double[b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                s[i][j] = w[i][j] + w[j][i];
                rowSum[i] += s[i][j];
            }
        }
        INDArray sm = Nd4j.create(s).castTo(x.dataType());
        INDArray diag = Nd4j.create(rowSum).castTo(x.dataType()).reshape(b, 1);
        INDArray gradient = x.mulColumnVector(diag).subi(sm.mmul(x));
        return new LossResult(value / b, gradient);
    }
}
