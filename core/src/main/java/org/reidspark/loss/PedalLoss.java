package org.reidspark.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * PEDAL, PAUL's patch-based discriminative feature learning loss ("Patch-based Discriminative Feature Learning for
 * Unsupervised Person Re-identification", Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308, section 3.2),
 * following the official code ({@code QizeYang/PAUL}, {@code src/loss/myloss.py}, {@code Pedal.forward}). For patch
 * {@code p} of sample {@code i} with feature {@code f} and the bank entries {@code c_j} of that patch
 * ({@code paul.PatchMemoryBank}), over the entries {@code j} other than the sample's own row:
 * <pre>
 * d_j    = ||f - c_j||^2                                      (squared Euclidean, as the code's dist_map)
 * K      = the k entries with the smallest d_j                  (k nearest, the sample's own entry excluded)
 * l_ip   = -log sum_{j in K} exp(-s d_j) + log sum_{j != own} exp(-s d_j)
 * L      = (1 / (M B)) sum_p sum_i l_ip
 * </pre>
 * What the code does and METHODS.md leaves open: the sample's own bank entry is left out of both sums (the code drops
 * column {@code position} of the distance map before sorting), so it is neither a neighbour nor pushed; the loss is a
 * mean over samples and patches; with {@code size - 1 <= k} every entry is a neighbour and the loss is 0. The bank is
 * a constant here (the code stores detached features); the caller updates it with the batch first
 * ({@code paul.PatchMemoryBank#update}, as {@code unsupervised_train.py} calls
 * {@code get_soft_label} before the loss), then passes the entries and rows. The scale {@code s} defaults to 10 in
 * {@code Pedal.__init__}; the README runs Market with {@code --scale 15} and Duke with {@code --scale 5}
 * ({@code unsupervised_train.py}'s own default is 15); {@code k = 10}. PAUL weights the loss 2 ({@code --ploss}); the
 * weight is the caller's ({@link WeightedLoss}). Only the original view of each image is fed (the code takes
 * {@code feat[:, ::num, :]}, not the surrogates).
 *
 * <p>Gradient (the neighbour set is piecewise constant), with {@code w^all_j = softmax_{j != own}(-s d)_j} and
 * {@code w^K_j} the softmax over {@code K} (0 outside it): {@code dl_ip/dd_j = s (w^K_j - w^all_j)}, and since both
 * weights sum to 1, {@code dL/df_ip = (2 s / (M B)) sum_j (w^all_j - w^K_j) c_j}. Ties in distance are broken by the
 * lower row.
 *
 * <p>Shapes: input (patch features of the batch's original images) {@code [B, M*d]}, patch {@code p} in columns
 * {@code [p*d, (p+1)*d)}; the {@link Targets} array {@value #BANK} {@code [M, N, d]}
 * ({@code paul.PatchMemoryBank#entries()}, N >= 2); the per-sample ints {@value #BANK_ROW}, B rows
 * in {@code [0, N)}; gradient {@code [B, M*d]} in the input's type. Distances are computed in the bank's type, the
 * soft-max weights in double.
 */
public final class PedalLoss implements Loss {
    /** The {@link Targets} array holding the bank's entries {@code [M, N, d]}. */
    public static final String BANK = "patch-bank";
    /** The {@link Targets} per-sample ints holding each sample's own row in the bank. */
    public static final String BANK_ROW = "bank-row";
    /** {@code Pedal.__init__}'s default scale. */
    public static final double DEFAULT_SCALE = 10;
    /** The README's scale for Market-1501. */
    public static final double MARKET_SCALE = 15;
    /** The README's scale for DukeMTMC-reID. */
    public static final double DUKE_SCALE = 5;
    /** {@code Pedal.__init__}'s k. */
    public static final int DEFAULT_NEIGHBOURS = 10;

    private final double scale;
    private final int neighbours;

    /**
     * @param scale      s (official: {@link #DEFAULT_SCALE}, {@link #MARKET_SCALE}, {@link #DUKE_SCALE})
     * @param neighbours k, the nearest entries pulled ({@link #DEFAULT_NEIGHBOURS})
     */
    public PedalLoss(double scale, int neighbours) {
        if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("PEDAL scale must be > 0, got " + scale);
        if (neighbours < 1) throw new IllegalArgumentException("PEDAL needs k >= 1 neighbours, got " + neighbours);
        this.scale = scale;
        this.neighbours = neighbours;
    }

    public double scale() {
        return scale;
    }

    public int neighbours() {
        return neighbours;
    }

    @Override
    public LossResult compute(INDArray features, Targets targets) {
        INDArray bank = targets.array(BANK);
        int[] own = targets.ints(BANK_ROW);
        if (bank.rank() != 3) throw new IllegalArgumentException("PEDAL expects the bank as [patches, entries, dim], got shape " + Arrays.toString(bank.shape()));
        int m = (int) bank.size(0);
        int n = (int) bank.size(1);
        long d = bank.size(2);
        if (features.rank() != 2 || features.size(1) != m * d) {
            throw new IllegalArgumentException("PEDAL expects features [batch, " + (m * d) + "] (" + m + " patches x " + d
                    + ", the bank's), got " + Arrays.toString(features.shape()));
        }
        int b = (int) features.size(0);
        if (b == 0) throw new IllegalArgumentException("PEDAL: empty batch");
        if (own.length != b) throw new IllegalArgumentException("PEDAL: " + b + " samples but " + own.length + " bank rows");
        if (n < 2) throw new IllegalArgumentException("PEDAL needs a bank of at least 2 entries (each sample's own is left out), got " + n);
        for (int i = 0; i < b; i++) {
            if (own[i] < 0 || own[i] >= n) throw new IllegalArgumentException("bank row " + own[i] + " of sample " + i + " is outside [0, " + n + ")");
        }
        // ND4J 1.0.0-M2.1 can return an array without data for a patch slice of a view (see PatchMemoryBank#entries)
        if (bank.isView()) bank = bank.dup('c');
        DataType type = bank.dataType();
        INDArray grad = Nd4j.create(type, b, m * d);
        double total = 0;
        double gradScale = 2 * scale / ((double) m * b);
        int k = Math.min(neighbours, n - 1);
        double[] e = new double[n];
        for (int p = 0; p < m; p++) {
            INDArray f = features.get(NDArrayIndex.all(), NDArrayIndex.interval(p * d, (p + 1) * d)).castTo(type);
            INDArray c = bank.get(NDArrayIndex.point(p), NDArrayIndex.all(), NDArrayIndex.all());
            double[] dist = squaredDistances(f, c);
            double[] g = new double[b * n];
            for (int i = 0; i < b; i++) {
                total += row(dist, g, i * n, n, own[i], k, e, gradScale);
            }
            INDArray gp = Nd4j.createFromArray(g).reshape(b, n).castTo(type);
            grad.get(NDArrayIndex.all(), NDArrayIndex.interval(p * d, (p + 1) * d)).assign(gp.mmul(c));
        }
        return new LossResult(total / ((double) m * b), grad.castTo(features.dataType()));
    }

    /**
     * One sample and patch, its distances at {@code dist[from .. from+n)}: returns {@code l_ip} and writes
     * {@code gradScale * (w^all_j - w^K_j)} into {@code g[from + j]}; {@code e} is scratch space of length n.
     */
    private double row(double[] dist, double[] g, int from, int n, int own, int k, double[] e, double gradScale) {
        int[] nearest = nearest(dist, from, n, own, k);
        double min = dist[from + nearest[0]];
        double all = 0;
        for (int j = 0; j < n; j++) {
            e[j] = j == own ? 0 : Math.exp(-scale * (dist[from + j] - min));
            all += e[j];
        }
        double near = 0;
        for (int j : nearest) near += e[j];
        for (int j = 0; j < n; j++) g[from + j] = gradScale * e[j] / all;
        for (int j : nearest) g[from + j] -= gradScale * e[j] / near;
        return Math.log(all) - Math.log(near);
    }

    /**
     * The k entries other than {@code own} with the smallest distance in {@code dist[from .. from+n)}, nearest first
     * (ties: lower row first).
     */
    static int[] nearest(double[] dist, int from, int n, int own, int k) {
        int[] best = new int[k];
        int count = 0;
        for (int j = 0; j < n; j++) {
            if (j == own) continue;
            double v = dist[from + j];
            if (count == k && !(v < dist[from + best[k - 1]])) continue;
            int pos = count == k ? k - 1 : count++;
            while (pos > 0 && v < dist[from + best[pos - 1]]) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = j;
        }
        return best;
    }

    /** {@code ||f_i||^2 + ||c_j||^2 - 2 f_i.c_j}, the code's dist_map, {@code [B, N]} row-major in double. */
    private static double[] squaredDistances(INDArray f, INDArray c) {
        INDArray fn = f.mul(f).sum(1).reshape(f.size(0), 1);
        INDArray cn = c.mul(c).sum(1).reshape(1, c.size(0));
        INDArray dist = f.mmul(c.transpose()).muli(-2).addiColumnVector(fn).addiRowVector(cn);
        return dist.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
