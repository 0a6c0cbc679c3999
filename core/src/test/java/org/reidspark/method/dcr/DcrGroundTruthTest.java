package org.reidspark.method.dcr;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The measures of DCR's ground-truth checks on hand-made cases. */
class DcrGroundTruthTest {
    @Test
    void spearmanRanksWithTiesAndIsZeroForAConstant() {
        assertEquals(1.0, DcrGroundTruth.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 35, 90}), 1e-12);
        assertEquals(-1.0, DcrGroundTruth.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        // ties take their mean rank: ranks a = 1, 2.5, 2.5, 4; b = 1, 2, 3, 4
        double ma = 2.5;
        double[] ra = {1, 2.5, 2.5, 4};
        double[] rb = {1, 2, 3, 4};
        double num = 0;
        double da = 0;
        double db = 0;
        for (int i = 0; i < 4; i++) {
            num += (ra[i] - ma) * (rb[i] - 2.5);
            da += (ra[i] - ma) * (ra[i] - ma);
            db += (rb[i] - 2.5) * (rb[i] - 2.5);
        }
        assertEquals(num / Math.sqrt(da * db), DcrGroundTruth.spearman(new double[] {0, 5, 5, 9}, new double[] {1, 2, 3, 4}), 1e-12);
        assertEquals(0.0, DcrGroundTruth.spearman(new double[] {0.3, 0.3, 0.3}, new double[] {1, 2, 3}));
    }

    @Test
    void iouOfAThresholdedMapAndBilinearResize() {
        boolean[] truth = {true, true, false, false};
        assertEquals(1.0 / 3, DcrGroundTruth.iou(truth, new double[] {0.9, 0.1, 0.6, 0.2}), 1e-12);
        assertEquals(1.0, DcrGroundTruth.iou(truth, new double[] {0.5, 0.7, 0.49, 0}), 1e-12);
        // a 2x1 map [0, 1] to 4x1: pixel centres at rows 0.25-, 0.75, 1.25, 1.75- of the map (clamped at the edges)
        double[] r = DcrGroundTruth.resize(new float[] {0, 1}, 2, 1, 4, 1);
        assertEquals(0.0, r[0], 1e-12);
        assertEquals(0.25, r[1], 1e-12);
        assertEquals(0.75, r[2], 1e-12);
        assertEquals(1.0, r[3], 1e-12);
    }

    @Test
    void lowerBodyVisibilityIsTheMeanOfLegsAndShoesThatAreKnown() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertEquals(0.5, DcrGroundTruth.lowerBody(json.readTree("{\"visibility\": {\"head\": 1, \"legs\": 0.2, \"shoes\": 0.8}}")), 1e-12);
        assertEquals(0.2, DcrGroundTruth.lowerBody(json.readTree("{\"visibility\": {\"legs\": 0.2, \"shoes\": null}}")), 1e-12);
        assertTrue(Double.isNaN(DcrGroundTruth.lowerBody(json.readTree("{\"visibility\": {\"head\": 1}}"))));
    }
}
