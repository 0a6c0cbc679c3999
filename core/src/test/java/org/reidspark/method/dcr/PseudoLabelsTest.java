package org.reidspark.method.dcr;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DCR's part pseudo-labels, worked out by hand on a 5 x 2 map. */
class PseudoLabelsTest {
    @Test
    void stripesTimesForegroundWithABackgroundChannelSoftenedOverChannels() {
        // one image, K = 2, h = 5, w = 2: part 1 on rows 0-1, part 2 on rows 2-4
        INDArray stripes = Nd4j.createFromArray(new double[][][] {{{1, 1, 0, 0, 0}, {0, 0, 1, 1, 1}}});
        INDArray fg = Nd4j.createFromArray(new double[][][][] {{{{0.9, 0.2}, {0.8, 0.7}, {0.6, 0.5}, {0.4, 0.3}, {0.95, 0.1}}}});
        // the lowest 20% of 10 positions (keep 8): 0.2 and 0.1 are background; and the top and bottom rows (background-rows 1)
        DcrConfig.PseudoLabels config = new DcrConfig.PseudoLabels(0.2, 1, 10);
        INDArray t = PseudoLabels.targets(stripes, fg, config);
        assertEquals(java.util.List.of(1L, 3L, 5L, 2L), java.util.List.of(t.shape()[0], t.shape()[1], t.shape()[2], t.shape()[3]));
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 2; c++) {
                double f = fg.getDouble(0, 0, r, c);
                boolean bg = r == 0 || r == 4 || f <= 0.2;
                double[] y = {bg ? 1 : 0, stripes.getDouble(0, 0, r) * f, stripes.getDouble(0, 1, r) * f};
                double z = 0;
                for (double v : y) z += Math.exp(10 * v);
                for (int k = 0; k < 3; k++) assertEquals(Math.exp(10 * y[k]) / z, t.getDouble(0, k, r, c), 1e-12, "row " + r + ", col " + c + ", channel " + k);
            }
        }
        // a confident foreground pixel inside part 1's stripe is labelled part 1; the top row is background
        assertTrue(t.getDouble(0, 1, 1, 0) > 0.99);
        assertTrue(t.getDouble(0, 0, 0, 0) > t.getDouble(0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PseudoLabels.targets(stripes, Nd4j.zeros(DataType.DOUBLE, 1, 1, 4, 2), config));
    }
}
