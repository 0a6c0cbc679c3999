package org.reidspark.model.layer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.testing.NumericalGradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DCR's straight-through Gumbel-Softmax stripes: the forward pass is the dilated one-hot of the Gumbel-max row, the
 * noise samples rows with the softmax of the smoothed profile (the Gumbel-max trick), and the backward pass is the
 * gradient of the soft path (checked against central differences in double precision).
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class GumbelStripesTest {
    private static final int H = 9;
    private static final int W = 3;

    /** Part probabilities [B, K, H, W] in (0, 1). */
    private static INDArray parts(long seed, int b, int k) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, b, k, H, W).muli(0.9).addi(0.05);
    }

    @Test
    void withoutNoiseTheStripeIsTheDilatedArgmaxOfTheSmoothedProfile() {
        GumbelStripes gs = new GumbelStripes(0.8, 3, 3, 1);
        INDArray p = Nd4j.zeros(DataType.DOUBLE, 1, 2, H, W).addi(0.1);
        // part 0: mass on rows 5 and 6 (smoothed peak at 5 or 6); part 1: mass on row 0 only (excluded border)
        for (int j = 0; j < W; j++) {
            p.putScalar(new long[] {0, 0, 5, j}, 0.9);
            p.putScalar(new long[] {0, 0, 6, j}, 0.8);
            p.putScalar(new long[] {0, 1, 0, j}, 0.9);
        }
        INDArray neutral = Nd4j.valueArrayOf(new long[] {1, 2, H}, Math.exp(-1), DataType.DOUBLE); // g = 0
        GumbelStripes.Result r = gs.forward(p, neutral);
        // part 0: smoothed l_5 = 0.1 + 0.9 + 0.8 (x W) beats l_6 = 0.9 + 0.8 + 0.1 only by order: both 1.8 W; first wins
        assertEquals(5, r.chosen()[0][0]);
        // part 1: rows 0 and 1 get the mass, row 0 cannot be chosen: row 1 (l_1 = (0.9 + 0.1 + 0.1) W) wins
        assertEquals(1, r.chosen()[0][1]);
        double[] s0 = r.stripes().slice(0).getRow(0).toDoubleVector();
        assertEquals("[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]", java.util.Arrays.toString(s0));
        double[] s1 = r.stripes().slice(0).getRow(1).toDoubleVector();
        assertEquals("[1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]", java.util.Arrays.toString(s1));
        assertEquals(0.0, r.soft().getDouble(0, 0, 0), "the border rows have no soft value");
        assertEquals(1.0, r.soft().slice(0).getRow(0).sumNumber().doubleValue(), 1e-12);
    }

    @Test
    void theNoiseSamplesRowsWithTheSoftmaxOfTheProfile() {
        GumbelStripes gs = new GumbelStripes(0.8, 1, 1, 1);
        int draws = 4000;
        INDArray p = Nd4j.zeros(DataType.DOUBLE, draws, 1, 6, 1);
        double[] profile = {0, 0.2, 1.0, 1.5, 0.4, 0};
        for (int i = 0; i < draws; i++) for (int r = 0; r < 6; r++) p.putScalar(new long[] {i, 0, r, 0}, profile[r]);
        GumbelStripes.Result res = gs.forward(p, GumbelStripes.noise(11, draws, 1, 6));
        int[] counts = new int[6];
        for (int i = 0; i < draws; i++) counts[res.chosen()[i][0]]++;
        double z = Math.exp(0.2) + Math.exp(1.0) + Math.exp(1.5) + Math.exp(0.4);
        assertEquals(0, counts[0] + counts[5], "border rows are never chosen");
        for (int r = 1; r <= 4; r++) {
            double expected = Math.exp(profile[r]) / z;
            assertEquals(expected, counts[r] / (double) draws, 0.03, "row " + r + " (Gumbel-max: P(row) = softmax(l))");
        }
    }

    @Test
    void noiseIsReproducibleFromTheSeed() {
        assertEquals(GumbelStripes.noise(5, 2, 3, 4), GumbelStripes.noise(5, 2, 3, 4));
        assertNotEquals(GumbelStripes.noise(5, 2, 3, 4), GumbelStripes.noise(6, 2, 3, 4));
        INDArray u = GumbelStripes.noise(7, 4, 4, 20);
        assertTrue(u.minNumber().doubleValue() >= 0 && u.maxNumber().doubleValue() < 1);
    }

    /**
     * The straight-through backward equals the gradient of the soft path {@code sum_i e_i y_src(i)} with the forward's
     * routing and the noise fixed; several dilations, smoothings and borders, random errors.
     */
    @Test
    void backwardIsTheGradientOfTheSoftPath() {
        int[][] settings = {{3, 5, 1}, {3, 3, 1}, {1, 1, 0}, {5, 3, 2}};
        for (int[] s : settings) {
            GumbelStripes gs = new GumbelStripes(0.8, s[0], s[1], s[2]);
            INDArray p = parts(21 + s[1], 3, 2);
            INDArray u = GumbelStripes.noise(3 + s[0], 3, 2, H);
            GumbelStripes.Result r = gs.forward(p, u);
            Nd4j.getRandom().setSeed(9);
            INDArray e = Nd4j.randn(DataType.DOUBLE, 3, 2, H);
            INDArray analytic = gs.backward(r, e);
            int[][][] src = r.source();
            NumericalGradient.Report rep = NumericalGradient.check(v -> softPath(gs, v, u, src, e), p, analytic);
            assertTrue(rep.passed(), java.util.Arrays.toString(s) + ": " + rep);
            assertTrue(analytic.norm2Number().doubleValue() > 1e-4, "a real gradient");
            // every column of a row gets the row's error
            assertEquals(analytic.getDouble(1, 1, 4, 0), analytic.getDouble(1, 1, 4, 2), 1e-15);
        }
    }

    /** {@code sum_{b,k,i} e[b,k,i] * y[b,k,src(i)]} for fixed routing and noise. */
    private static double softPath(GumbelStripes gs, INDArray p, INDArray u, int[][][] src, INDArray e) {
        double[] y = gs.forward(p, u).soft().dup('c').data().asDouble();
        double[] ev = e.dup('c').data().asDouble();
        double sum = 0;
        for (int b = 0; b < src.length; b++) {
            for (int k = 0; k < src[b].length; k++) {
                int base = (b * src[b].length + k) * H;
                for (int i = 0; i < H; i++) {
                    if (src[b][k][i] >= 0) sum += ev[base + i] * y[base + src[b][k][i]];
                }
            }
        }
        return sum;
    }

    @Test
    void routingFollowsMaxPoolingOfTheOneHotRow() {
        GumbelStripes gs = new GumbelStripes(0.8, 3, 5, 1);
        INDArray p = parts(4, 1, 1);
        GumbelStripes.Result r = gs.forward(p, GumbelStripes.noise(2, 1, 1, H));
        int hot = r.chosen()[0][0];
        for (int i = 0; i < H; i++) {
            int expected = Math.abs(i - hot) <= 2 ? hot : Math.max(0, i - 2);
            if (expected < 1 || expected > H - 2) expected = -1;
            assertEquals(expected, r.source()[0][0][i], "row " + i + " (chosen " + hot + ")");
            assertEquals(Math.abs(i - hot) <= 2 ? 1.0 : 0.0, r.stripes().getDouble(0, 0, i));
        }
    }

    @Test
    void tooFewRowsAndBadSettingsFailClearly() {
        GumbelStripes gs = new GumbelStripes(0.8, 3, 5, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gs.forward(Nd4j.rand(DataType.DOUBLE, 1, 1, 4, 2), GumbelStripes.noise(1, 1, 1, 4)));
        assertTrue(e.getMessage().contains("at least 5 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GumbelStripes(0, 3, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new GumbelStripes(0.8, 2, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new GumbelStripes(0.8, 3, 4, 1));
    }
}
