package org.reidspark.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outfit probe: features that encode the outfit linearly are probed right nearly always; features that encode only
 * the person stay at chance; chance is 1 / outfits per person; the ridge solve is exact; bad input fails.
 */
class OutfitProbeTest {
    private static final int PERSONS = 20;
    private static final int OUTFITS = 3;
    private static final int PER_OUTFIT = 4;

    /** 20 persons x 3 outfits x 4 images: a person direction, plus an outfit direction scaled by {@code outfit}. */
    private static float[][] features(double outfit, long seed, int[] pids, int[] clothes) {
        Random r = new Random(seed);
        int dim = 40;
        double[][] personDir = new double[PERSONS][dim];
        double[][] outfitDir = new double[PERSONS * OUTFITS][dim];
        for (double[] v : personDir) for (int d = 0; d < dim; d++) v[d] = r.nextGaussian();
        for (double[] v : outfitDir) for (int d = 0; d < dim; d++) v[d] = r.nextGaussian();
        float[][] x = new float[PERSONS * OUTFITS * PER_OUTFIT][dim];
        int i = 0;
        for (int p = 0; p < PERSONS; p++) {
            for (int o = 0; o < OUTFITS; o++) {
                for (int k = 0; k < PER_OUTFIT; k++, i++) {
                    pids[i] = p + 1;
                    clothes[i] = p * OUTFITS + o;
                    for (int d = 0; d < dim; d++) {
                        x[i][d] = (float) (personDir[p][d] + outfit * outfitDir[p * OUTFITS + o][d] + 0.3 * r.nextGaussian());
                    }
                }
            }
        }
        return x;
    }

    private static OutfitProbe.Result probe(double outfit) {
        int n = PERSONS * OUTFITS * PER_OUTFIT;
        int[] pids = new int[n];
        int[] clothes = new int[n];
        float[][] x = features(outfit, 5, pids, clothes);
        int[] cams = new int[n];
        return OutfitProbe.of(Embeddings.of("features", x), Labels.of("test", pids, cams, clothes));
    }

    @Test
    void outfitFeaturesAreProbedRightAndPersonFeaturesStayAtChance() {
        OutfitProbe.Result encoded = probe(1.0);
        OutfitProbe.Result absent = probe(0.0);
        assertEquals(1.0 / OUTFITS, encoded.chance(), 1e-12);
        assertEquals(PERSONS * OUTFITS * PER_OUTFIT, encoded.images());
        assertEquals(PERSONS * OUTFITS, encoded.classes());
        assertEquals(PERSONS, encoded.persons());
        assertTrue(encoded.accuracy() > 0.95, encoded.toString());
        assertTrue(Math.abs(absent.accuracy() - 1.0 / OUTFITS) < 0.1, absent.toString());
    }

    @Test
    void ridgeSolveIsExact() {
        double[][] a = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}};
        double[][] w = {{1, -2}, {0.5, 3}, {-1, 0.25}};
        double[][] b = new double[3][2];
        for (int i = 0; i < 3; i++) for (int c = 0; c < 2; c++) for (int k = 0; k < 3; k++) b[i][c] += a[i][k] * w[k][c];
        double[][] copy = {a[0].clone(), a[1].clone(), a[2].clone()};
        double[][] solved = OutfitProbe.solveSpd(copy, b);
        for (int i = 0; i < 3; i++) for (int c = 0; c < 2; c++) assertEquals(w[i][c], solved[i][c], 1e-12);
    }

    @Test
    void withoutClothesOrOutfitsToTellApartItFails() {
        float[][] x = {{1, 0}, {0, 1}};
        assertThrows(IllegalArgumentException.class, () -> OutfitProbe.of(Embeddings.of("f", x),
                Labels.of("t", new int[] {1, 1}, new int[] {0, 1})));
        assertThrows(IllegalArgumentException.class, () -> OutfitProbe.of(Embeddings.of("f", x),
                Labels.of("t", new int[] {1, 1}, new int[] {0, 1}, new int[] {0, 1})), "one image per outfit");
    }
}
