package org.reidspark.model.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * DCR's categorical stripes (Yang and Xu, Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723, the
 * stripe-wise regularization; official code github.com/DeepAlchemist/differentiable-categorical-region,
 * {@code horizontal_stripe} and {@code gumbel_softmax} in {@code fastreid/modeling/meta_arch/GSS.py}): each part's
 * probability map becomes one horizontal stripe of rows, chosen by a straight-through Gumbel-Softmax. For part k of
 * image b, with the map {@code P [h, w]}:
 * <ol>
 *   <li>height profile {@code q_i = sum_j P[i, j]}, smoothed by a box of {@code smoothing} rows (zero padding):
 *       {@code l_i = sum_{|d| <= smoothing/2} q_{i+d}}, used as unnormalized log-probabilities;</li>
 *   <li>the {@code border} first and last rows cannot be chosen (the official code subtracts 1e20 from rows 0 and
 *       h-1); over the others {@code A}: {@code z_i = log_softmax(l)_i + g_i}, Gumbel noise
 *       {@code g = -ln(-ln(U + 1e-20) + 1e-20)} from uniform {@code U}, and {@code y = softmax(z / T)};</li>
 *   <li>forward: the one-hot row {@code argmax y} ("hard"), dilated by a max-pool of {@code dilation} rows
 *       (stride 1, padding dilation/2): the stripe is 1 on rows {@code |i - argmax| <= dilation/2}, 0 elsewhere;</li>
 *   <li>backward (straight through, as {@code y_hard - y.detach() + y} then max-pool in the official code): an
 *       output row's error goes to the soft value {@code y_r} of the row its max-pool window selected in the forward
 *       pass, {@code r = argmax} when the window holds it and otherwise the window's first row inside the map (the
 *       row PyTorch's max-pool picks among equal zeros), then through the Jacobians of {@code softmax(z / T)}, of
 *       {@code log_softmax} and of the smoothing box back to {@code P} (every column of a row gets the row's error).
 *       Errors routed to a row outside {@code A} are dropped (those rows have no soft value).</li>
 * </ol>
 * So the backward pass is exactly the gradient of the soft path {@code sum_i e_i y_{src(i)}} with the routing
 * {@code src} and the noise held fixed, which is what its test checks numerically.
 *
 * <p>Shapes: parts {@code [B, K, h, w]} (probabilities of the K parts, no background), noise and stripes
 * {@code [B, K, h]}, errors of the stripes {@code [B, K, h]} -> errors of the parts {@code [B, K, h, w]}.
 */
public final class GumbelStripes {
    private static final double TINY = 1e-20;
    private final double temperature;
    private final int smoothing;
    private final int dilation;
    private final int border;

    /**
     * @param temperature the Gumbel-Softmax temperature T (0.8 in the official code)
     * @param smoothing   rows of the box smoothing the height profile (odd; 3 in the official code)
     * @param dilation    rows of the max-pool that widens the chosen row into a stripe (odd; 5 in the official code, on
     *                    a 24-row map)
     * @param border      rows at the top and at the bottom that cannot be chosen (1 in the official code)
     */
    public GumbelStripes(double temperature, int smoothing, int dilation, int border) {
        if (!(temperature > 0)) throw new IllegalArgumentException("Gumbel-Softmax temperature must be > 0, got " + temperature);
        if (smoothing < 1 || smoothing % 2 == 0) throw new IllegalArgumentException("stripe smoothing must be odd and >= 1, got " + smoothing);
        if (dilation < 1 || dilation % 2 == 0) throw new IllegalArgumentException("stripe dilation must be odd and >= 1, got " + dilation);
        if (border < 0) throw new IllegalArgumentException("stripe border must be >= 0, got " + border);
        this.temperature = temperature;
        this.smoothing = smoothing;
        this.dilation = dilation;
        this.border = border;
    }

    /** The fewest rows a map needs: one choosable row inside the borders. */
    public int minRows() {
        return 2 * border + 1;
    }

    /** Uniform noise {@code [B, K, h]} in (0, 1) from {@code seed} (a step's seed: runs reproduce). */
    public static INDArray noise(long seed, int b, int k, int h) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] u = new double[b * k * h];
        for (int i = 0; i < u.length; i++) u[i] = r.nextDouble();
        return Nd4j.createFromArray(u).reshape('c', b, k, h);
    }

    /**
     * The forward pass and what the backward pass needs.
     *
     * @param stripes the stripes {@code [B, K, h]}, 0 or 1
     * @param soft    the soft Gumbel-Softmax values {@code y [B, K, h]} (0 outside the choosable rows)
     * @param chosen  the chosen row of each part {@code [B][K]}
     * @param source  for each output row, the row whose soft value its error goes to, or -1 {@code [B][K][h]}
     * @param lsm     {@code softmax(l)} over the choosable rows (the log-softmax Jacobian's term) {@code [B][K][h]}
     * @param width   map width w
     */
    public record Result(INDArray stripes, INDArray soft, int[][] chosen, int[][][] source, double[][][] lsm, int width) {
    }

    public int dilation() {
        return dilation;
    }

    /**
     * @param parts   part probabilities {@code [B, K, h, w]}
     * @param uniform uniform noise {@code [B, K, h]} in (0, 1)
     */
    public Result forward(INDArray parts, INDArray uniform) {
        if (parts.rank() != 4) throw new IllegalArgumentException("stripes need part maps [B, K, h, w], got " + java.util.Arrays.toString(parts.shape()));
        int b = (int) parts.size(0);
        int k = (int) parts.size(1);
        int h = (int) parts.size(2);
        int w = (int) parts.size(3);
        if (h < minRows()) {
            throw new IllegalArgumentException("a " + h + "-row part map has no row inside a border of " + border
                    + " rows at top and bottom; stripes need at least " + minRows() + " rows (a larger input)");
        }
        if (uniform.rank() != 3 || uniform.size(0) != b || uniform.size(1) != k || uniform.size(2) != h) {
            throw new IllegalArgumentException("noise must be [" + b + ", " + k + ", " + h + "], got " + java.util.Arrays.toString(uniform.shape()));
        }
        double[] q = parts.castTo(DataType.DOUBLE).dup('c').sum(3).data().asDouble();   // [B, K, h]
        double[] u = uniform.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] stripes = new double[b * k * h];
        double[] soft = new double[b * k * h];
        int[][] chosen = new int[b][k];
        int[][][] source = new int[b][k][h];
        double[][][] lsm = new double[b][k][h];
        int lo = border;
        int hi = h - 1 - border;
        int rs = smoothing / 2;
        int rd = dilation / 2;
        double[] l = new double[h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                int base = (i * k + j) * h;
                for (int r = 0; r < h; r++) {
                    double s = 0;
                    for (int d = -rs; d <= rs; d++) if (r + d >= 0 && r + d < h) s += q[base + r + d];
                    l[r] = s;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int r = lo; r <= hi; r++) max = Math.max(max, l[r]);
                double sum = 0;
                for (int r = lo; r <= hi; r++) sum += Math.exp(l[r] - max);
                double lse = max + Math.log(sum);
                double[] z = new double[h];
                double zmax = Double.NEGATIVE_INFINITY;
                for (int r = lo; r <= hi; r++) {
                    lsm[i][j][r] = Math.exp(l[r] - lse);
                    double g = -Math.log(-Math.log(u[base + r] + TINY) + TINY);
                    z[r] = (l[r] - lse + g) / temperature;
                    zmax = Math.max(zmax, z[r]);
                }
                double zs = 0;
                for (int r = lo; r <= hi; r++) zs += Math.exp(z[r] - zmax);
                int hot = lo;
                for (int r = lo; r <= hi; r++) {
                    soft[base + r] = Math.exp(z[r] - zmax) / zs;
                    if (soft[base + r] > soft[base + hot]) hot = r;
                }
                chosen[i][j] = hot;
                for (int r = 0; r < h; r++) {
                    boolean on = Math.abs(r - hot) <= rd;
                    stripes[base + r] = on ? 1 : 0;
                    int src = on ? hot : Math.max(0, r - rd);
                    source[i][j][r] = src >= lo && src <= hi ? src : -1;
                }
            }
        }
        DataType type = parts.dataType();
        return new Result(Nd4j.createFromArray(stripes).reshape('c', b, k, h).castTo(type),
                Nd4j.createFromArray(soft).reshape('c', b, k, h).castTo(type), chosen, source, lsm, w);
    }

    /**
     * The straight-through backward pass.
     *
     * @param r        what {@link #forward} returned
     * @param dStripes {@code dL/dstripes} {@code [B, K, h]}
     * @return {@code dL/dparts} {@code [B, K, h, w]}
     */
    public INDArray backward(Result r, INDArray dStripes) {
        long[] shape = r.stripes().shape();
        if (!java.util.Arrays.equals(shape, dStripes.shape())) {
            throw new IllegalArgumentException("stripe errors " + java.util.Arrays.toString(dStripes.shape()) + " for stripes "
                    + java.util.Arrays.toString(shape));
        }
        int b = (int) shape[0];
        int k = (int) shape[1];
        int h = (int) shape[2];
        int w = r.width();
        double[] e = dStripes.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] y = r.soft().castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] out = new double[b * k * h * w];
        int lo = border;
        int hi = h - 1 - border;
        int rs = smoothing / 2;
        double[] dy = new double[h];
        double[] dl = new double[h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                int base = (i * k + j) * h;
                java.util.Arrays.fill(dy, 0);
                for (int row = 0; row < h; row++) {
                    int src = r.source()[i][j][row];
                    if (src >= 0) dy[src] += e[base + row];
                }
                double dot = 0;
                for (int row = lo; row <= hi; row++) dot += dy[row] * y[base + row];
                double dzSum = 0;
                for (int row = lo; row <= hi; row++) {
                    double dz = y[base + row] * (dy[row] - dot) / temperature;
                    dl[row] = dz;
                    dzSum += dz;
                }
                for (int row = 0; row < h; row++) dl[row] = row >= lo && row <= hi ? dl[row] - r.lsm()[i][j][row] * dzSum : 0;
                for (int row = 0; row < h; row++) {
                    double dq = 0;
                    for (int d = -rs; d <= rs; d++) if (row + d >= 0 && row + d < h) dq += dl[row + d];
                    int o = (base + row) * w;
                    for (int c = 0; c < w; c++) out[o + c] = dq;
                }
            }
        }
        return Nd4j.createFromArray(out).reshape('c', b, k, h, w).castTo(dStripes.dataType());
    }
}
