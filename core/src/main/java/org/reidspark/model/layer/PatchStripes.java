package org.reidspark.model.layer;

/**
 * The affine parameters of M horizontal stripes, for {@link BilinearSampler}: PAUL's patch generation network starts
 * its regression at 6 stripes (PAUL, Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308; official code
 * github.com/QizeYang/PAUL, {@code src/models/patchnet.py}, {@code PatchGenerator.__init__}: the last linear layer of
 * {@code fc_loc} gets zero weights and the bias {@code path_postion}, six rows {@code [1, 0, 0, 0, 1/6, t]} with
 * {@code t = -5/6, -3/6, -1/6, 1/6, 3/6, 5/6}). For M stripes the theta of stripe {@code i} (top to bottom,
 * {@code 0 <= i < M}) is
 * <pre>
 *   [[1, 0, 0], [0, 1/M, (2 i + 1)/M - 1]]      row-major: {1, 0, 0, 0, 1/M, (2 i + 1)/M - 1}
 * </pre>
 * (full width; the height scaled by 1/M and centred on the stripe's middle in [-1, 1]); M = 6 gives the official values
 * exactly, other M are this project's generalization. The shape of each theta: 6 values, what
 * {@link BilinearSampler} takes per sample as {@code [B, 6]}; {@link #bias} is all M concatenated, {@code [6 M]}, as the
 * bias of the regression layer ({@code fc_loc[2]}: out {@code 2 * 3 * 6}, viewed as {@code [-1, 6, 2, 3]}).
 */
public final class PatchStripes {
    /** PAUL's number of patches. */
    public static final int PAUL_STRIPES = 6;

    private PatchStripes() {
    }

    /** The theta of stripe {@code i} of {@code m}: {@code {1, 0, 0, 0, 1/m, (2i + 1)/m - 1}}. */
    public static double[] theta(int i, int m) {
        if (m < 1) throw new IllegalArgumentException("the number of stripes must be >= 1, got " + m);
        if (i < 0 || i >= m) throw new IllegalArgumentException("stripe index must be in [0, " + m + "), got " + i);
        return new double[] {1, 0, 0, 0, 1.0 / m, (2.0 * i + 1) / m - 1};
    }

    /** The thetas of all {@code m} stripes, top to bottom: {@code [m][6]}. */
    public static double[][] thetas(int m) {
        if (m < 1) throw new IllegalArgumentException("the number of stripes must be >= 1, got " + m);
        double[][] r = new double[m][];
        for (int i = 0; i < m; i++) r[i] = theta(i, m);
        return r;
    }

    /** The thetas of all {@code m} stripes concatenated, {@code [6 m]}: the initial bias of the regression layer. */
    public static double[] bias(int m) {
        double[][] t = thetas(m);
        double[] r = new double[6 * m];
        for (int i = 0; i < m; i++) System.arraycopy(t[i], 0, r, 6 * i, 6);
        return r;
    }
}
