package org.reidspark.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * mAP per pair of cameras: the queries of camera {@code a} ranked against only the gallery images of camera {@code b},
 * under the evaluation's protocol and the method's matching rule (plain distances: re-ranking is not applied per pair). A cell without a
 * valid query (under the standard protocol: every same-camera pair, where all true matches are junk) is NaN. The
 * report draws it as a heat map: which camera pairs the model finds hard.
 *
 * <p>Cost: one pass over the query x gallery distances in all, spread over the gallery cameras, blockwise as
 * {@link Evaluator} does it (no matrix is held whole).
 *
 * @param queryCameras   the query cameras, ascending (rows)
 * @param galleryCameras the gallery cameras, ascending (columns)
 * @param mAP            {@code mAP[i][j]}: mean average precision of the valid queries of camera {@code queryCameras[i]}
 *                       against the gallery images of camera {@code galleryCameras[j]}; NaN where none is valid
 * @param validQueries   {@code validQueries[i][j]}: the queries of that cell with a true match
 */
public record CameraPairs(int[] queryCameras, int[] galleryCameras, double[][] mAP, int[][] validQueries) {

    /** The per-pair mAP of {@code query} against {@code gallery} under {@code config}'s protocol and {@code matching}. */
    public static CameraPairs of(TestFeatures query, TestFeatures gallery, Matching matching, Labels queryLabels,
                                 Labels galleryLabels, EvalConfig config) {
        int[] qc = distinct(queryLabels.camids());
        int[] gc = distinct(galleryLabels.camids());
        double[][] apSum = new double[qc.length][gc.length];
        int[][] valid = new int[qc.length][gc.length];
        int[] qRow = new int[queryLabels.size()];
        for (int q = 0; q < qRow.length; q++) qRow[q] = Arrays.binarySearch(qc, queryLabels.camids()[q]);
        for (int j = 0; j < gc.length; j++) {
            int[] columns = indicesOf(galleryLabels.camids(), gc[j]);
            Labels sub = subset(galleryLabels, columns, "gallery camera " + gc[j]);
            TestFeatures subset = gallery.rows(gallery.source() + ", camera " + gc[j], columns);
            RankingEvaluator evaluator = new RankingEvaluator(queryLabels, sub, config.rankingOptions(),
                    matching.describe() + " of " + query.source() + " to " + subset.source());
            try {
                matching.distances(query, subset, config.threads())
                        .forEachRowBlock(config.blockBytes(), (r0, n, data) -> evaluator.accept(r0, n, data, 0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int q = 0; q < qRow.length; q++) {
                if (evaluator.firstMatchRank(q) > 0) {
                    apSum[qRow[q]][j] += evaluator.averagePrecision(q);
                    valid[qRow[q]][j]++;
                }
            }
        }
        double[][] mAP = new double[qc.length][gc.length];
        for (int i = 0; i < qc.length; i++) {
            for (int j = 0; j < gc.length; j++) mAP[i][j] = valid[i][j] == 0 ? Double.NaN : apSum[i][j] / valid[i][j];
        }
        return new CameraPairs(qc, gc, mAP, valid);
    }

    /** The form written to {@code camera-pairs.json}: NaN cells as null. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queryCameras", queryCameras);
        m.put("galleryCameras", galleryCameras);
        List<List<Double>> rows = new ArrayList<>();
        for (double[] row : mAP) {
            List<Double> r = new ArrayList<>();
            for (double v : row) r.add(Double.isNaN(v) ? null : v);
            rows.add(r);
        }
        m.put("mAP", rows);
        m.put("validQueries", validQueries);
        return m;
    }

    private static int[] distinct(int[] values) {
        return new TreeSet<>(Arrays.stream(values).boxed().toList()).stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] indicesOf(int[] values, int value) {
        int n = 0;
        for (int v : values) if (v == value) n++;
        int[] out = new int[n];
        n = 0;
        for (int i = 0; i < values.length; i++) if (values[i] == value) out[n++] = i;
        return out;
    }

    private static Labels subset(Labels l, int[] rows, String source) {
        int[] pids = new int[rows.length];
        int[] cams = new int[rows.length];
        int[] clothes = l.hasClothes() ? new int[rows.length] : null;
        for (int i = 0; i < rows.length; i++) {
            pids[i] = l.pids()[rows[i]];
            cams[i] = l.camids()[rows[i]];
            if (clothes != null) clothes[i] = l.clothes()[rows[i]];
        }
        return new Labels(source, pids, cams, clothes);
    }
}
