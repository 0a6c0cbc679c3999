package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CAL, the clothes-based adversarial loss of "Clothes-Changing Person Re-identification with RGB Modality Only"
 * (Gu et al., CVPR 2022, https://arxiv.org/abs/2204.06890, equation 5; official code {@code guxinqian/Simple-CCReID},
 * {@code losses/clothes_based_adversarial_loss.py}, followed exactly): a multi-positive-class cross-entropy over the
 * clothes classifier's cosines where every clothes class of the sample's own identity is a positive. With
 * {@code z = s x}, {@code P_i} the positive classes of sample i (its mask row) and {@code c_i} its own clothes class:
 * <pre>
 * log p_ik = z_ik - log(sum_{j not in P_i} exp(z_ij) + exp(z_ik))
 * q_ik     = (1 - eps) [k = c_i] + eps / |P_i| [k in P_i]
 * L        = -(1/B) sum_i sum_k q_ik log p_ik
 * </pre>
 * Each positive class competes only with the negative classes (other identities' clothes), never with the other
 * positives, so minimising L pushes a feature away from being told apart from its identity's other outfits while
 * keeping it apart from other people's. Gradient, with {@code D_ik = sum_{j not in P_i} exp(z_ij) + exp(z_ik)}:
 * {@code dL/dz_im = -(1/B) [q_im - [m not in P_i] exp(z_im) sum_k q_ik / D_ik - q_im exp(z_im) / D_im]},
 * {@code dL/dx = s dL/dz}.
 *
 * <p>Shapes: input (cosines) {@code [B, K]}; {@link Targets#labels()} the own clothes classes, B ints in
 * {@code [0, K)}; the array {@value #POSITIVE_MASK} {@code [B, K]} of 0/1 with the own class among the 1s; gradient
 * {@code [B, K]}.
 */
public final class ClothesAdversarialLoss implements Loss {
    /** The {@link Targets} array holding the positive mask. */
    public static final String POSITIVE_MASK = "positive-mask";

    private final double scale;
    private final double epsilon;

    /**
     * @param scale   s, applied to the cosines (CAL: 16)
     * @param epsilon the weight spread over all positive classes (CAL: 0.1); 1 - epsilon goes to the own class
     */
    public ClothesAdversarialLoss(double scale, double epsilon) {
        if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("scale must be > 0, got " + scale);
        if (!(epsilon >= 0 && epsilon <= 1)) throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        this.scale = scale;
        this.epsilon = epsilon;
    }

    @Override
    public LossResult compute(INDArray cosines, Targets targets) {
        int[] own = targets.labels();
        Loss.checkBatch("clothes-based adversarial loss", cosines, own);
        INDArray pos = targets.array(POSITIVE_MASK);
        long b = cosines.size(0);
        long k = cosines.size(1);
        if (pos.rank() != 2 || pos.size(0) != b || pos.size(1) != k) {
            throw new IllegalArgumentException("positive mask has shape " + java.util.Arrays.toString(pos.shape())
                    + ", expected [" + b + ", " + k + "]");
        }
        double[][] x = cosines.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        double[][] m = pos.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        double[][] grad = new double[(int) b][(int) k];
        double value = 0;
        for (int i = 0; i < b; i++) {
            if (own[i] < 0 || own[i] >= k) throw new IllegalArgumentException("clothes class " + own[i] + " of sample " + i + " is outside [0, " + k + ")");
            if (m[i][own[i]] != 1.0) {
                throw new IllegalArgumentException("sample " + i + ": its own clothes class " + own[i] + " is not among its positives");
            }
            // q: the target weights; the negatives' log-sum-exp: S exp(mn) = sum over negatives of exp(z)
            double[] z = new double[(int) k];
            double[] q = new double[(int) k];
            int positives = 0;
            double mn = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                z[j] = scale * x[i][j];
                if (m[i][j] != 0) positives++;
                else mn = Math.max(mn, z[j]);
            }
            for (int j = 0; j < k; j++) q[j] = (j == own[i] ? 1 - epsilon : 0) + (m[i][j] != 0 ? epsilon / positives : 0);
            boolean negatives = mn != Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int j = 0; j < k; j++) if (negatives && m[i][j] == 0) sum += Math.exp(z[j] - mn);
            // log D_ik = log(sum over negatives of exp(z) + exp(z_ik)), computed around max(mn, z_ik) so it stays finite
            double[] logD = new double[(int) k];
            double t = 0; // sum_k q_ik exp(mn - log D_ik) <= 1
            for (int j = 0; j < k; j++) {
                if (!negatives) {
                    logD[j] = z[j];
                } else {
                    double top = Math.max(mn, z[j]);
                    logD[j] = top + Math.log(sum * Math.exp(mn - top) + Math.exp(z[j] - top));
                    t += q[j] * Math.exp(mn - logD[j]);
                }
                value -= q[j] * (z[j] - logD[j]);
            }
            // dL/dz_ij = -(1/B) [q_ij - [j negative] exp(z_ij) sum_k q_ik / D_ik - q_ij exp(z_ij) / D_ij]
            for (int j = 0; j < k; j++) {
                double g = q[j] - q[j] * Math.exp(z[j] - logD[j]);
                if (negatives && m[i][j] == 0) g -= Math.exp(z[j] - mn) * t;
                grad[i][j] = -g * scale / b;
            }
        }
        value /= b;
        return new LossResult(value, Nd4j.createFromArray(grad).castTo(cosines.dataType()));
    }
}
