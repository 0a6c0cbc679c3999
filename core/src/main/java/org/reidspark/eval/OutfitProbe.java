package org.reidspark.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How much a set of frozen test features says about which outfit a person wears: a linear probe of
 * outfit-within-identity. A clothes-irrelevant feature (what CAL, https://arxiv.org/abs/2204.06890, aims for) should
 * make it hard; a colour histogram makes it easy.
 *
 * <p>Procedure (deterministic): images keep their clothes classes (per person and outfit); only classes with at least
 * two images, of persons with at least two such classes, are probed. Two folds: each class's images, in the given
 * order, go alternately to fold 0 and fold 1. For each fold, a ridge-regression classifier (one-hot targets over all
 * probed classes, features centred on the training fold's mean, penalty {@value #RIDGE} x trace(X^T X) / D) is fitted
 * on the other fold, and each image of this fold is assigned the highest-scoring class <em>among its own person's
 * probed classes</em>: the probe must tell a person's outfits apart, not the person. Accuracy is over both folds;
 * chance is the mean over those images of 1 / (classes of their person).
 *
 * <p>Shapes: features {@code [N, D]} (one row per image, as the evaluation embeds them), labels with clothes ids.
 */
public final class OutfitProbe {
    /** The ridge penalty relative to the mean eigenvalue of X^T X. */
    public static final double RIDGE = 1e-2;

    /**
     * @param accuracy within-identity outfit accuracy over both folds
     * @param chance   the accuracy of guessing uniformly among each person's probed outfits
     * @param images   images probed
     * @param classes  clothes classes probed
     * @param persons  persons probed
     */
    public record Result(double accuracy, double chance, int images, int classes, int persons) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accuracy", accuracy);
            m.put("chance", chance);
            m.put("images", images);
            m.put("classes", classes);
            m.put("persons", persons);
            m.put("probe", "ridge regression on one-hot clothes classes, 2 folds, argmax within the person's outfits");
            return m;
        }
    }

    private OutfitProbe() {
    }

    /** The probe of {@code features} (rows = images of {@code labels}, which need clothes ids). */
    public static Result of(Embeddings features, Labels labels) {
        if (!labels.hasClothes()) throw new IllegalArgumentException(labels.source() + " has no clothes ids to probe");
        if (features.rows() != labels.size()) {
            throw new IllegalArgumentException(features.source() + " has " + features.rows() + " rows, " + labels.source()
                    + " " + labels.size() + " images");
        }
        // probed classes: >= 2 images, of persons with >= 2 such classes
        Map<Integer, List<Integer>> imagesOf = new TreeMap<>();
        for (int i = 0; i < labels.size(); i++) {
            if (labels.clothes()[i] >= 0) imagesOf.computeIfAbsent(labels.clothes()[i], k -> new ArrayList<>()).add(i);
        }
        Map<Integer, List<Integer>> classesOf = new TreeMap<>();
        for (Map.Entry<Integer, List<Integer>> e : imagesOf.entrySet()) {
            if (e.getValue().size() >= 2) classesOf.computeIfAbsent(labels.pids()[e.getValue().get(0)], k -> new ArrayList<>()).add(e.getKey());
        }
        classesOf.values().removeIf(c -> c.size() < 2);
        List<Integer> classes = new ArrayList<>();
        classesOf.values().forEach(classes::addAll);
        if (classes.isEmpty()) throw new IllegalArgumentException(labels.source() + ": no person has two outfits with two images each");
        Map<Integer, Integer> column = new LinkedHashMap<>();
        for (int c : classes) column.put(c, column.size());
        List<List<Integer>> folds = List.of(new ArrayList<>(), new ArrayList<>());
        for (int c : classes) {
            List<Integer> images = imagesOf.get(c);
            for (int j = 0; j < images.size(); j++) folds.get(j % 2).add(images.get(j));
        }
        INDArray x = features.matrix().castTo(DataType.DOUBLE);
        int correct = 0;
        int total = 0;
        double chance = 0;
        for (int f = 0; f < 2; f++) {
            List<Integer> train = folds.get(1 - f);
            List<Integer> test = folds.get(f);
            INDArray xt = rows(x, train);
            INDArray mean = xt.mean(0).reshape(1, xt.size(1));
            xt.subiRowVector(mean);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, train.size(), classes.size());
            for (int r = 0; r < train.size(); r++) y.putScalar(r, column.get(labels.clothes()[train.get(r)]), 1.0);
            double[][] gram = xt.transpose().mmul(xt).toDoubleMatrix();
            double trace = 0;
            for (int d = 0; d < gram.length; d++) trace += gram[d][d];
            double lambda = RIDGE * Math.max(1e-12, trace / gram.length);
            for (int d = 0; d < gram.length; d++) gram[d][d] += lambda;
            INDArray w = Nd4j.createFromArray(solveSpd(gram, xt.transpose().mmul(y).toDoubleMatrix()));
            INDArray scores = rows(x, test).subiRowVector(mean).mmul(w);
            for (int r = 0; r < test.size(); r++) {
                int image = test.get(r);
                List<Integer> own = classesOf.get(labels.pids()[image]);
                int best = -1;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c : own) {
                    double s = scores.getDouble(r, column.get(c));
                    if (s > bestScore) {
                        bestScore = s;
                        best = c;
                    }
                }
                if (best == labels.clothes()[image]) correct++;
                total++;
                chance += 1.0 / own.size();
            }
        }
        return new Result((double) correct / total, chance / total, total, classes.size(), classesOf.size());
    }

    /**
     * Solves {@code a w = b} for a symmetric positive definite {@code a} {@code [D, D]} (here X^T X + lambda I) by its
     * Cholesky factor, {@code b} {@code [D, C]}; {@code a} is overwritten.
     */
    static double[][] solveSpd(double[][] a, double[][] b) {
        int n = a.length;
        for (int j = 0; j < n; j++) {
            double d = a[j][j];
            for (int k = 0; k < j; k++) d -= a[j][k] * a[j][k];
            if (!(d > 0)) throw new IllegalStateException("the probe's matrix is not positive definite at row " + j);
            a[j][j] = Math.sqrt(d);
            for (int i = j + 1; i < n; i++) {
                double v = a[i][j];
                for (int k = 0; k < j; k++) v -= a[i][k] * a[j][k];
                a[i][j] = v / a[j][j];
            }
        }
        int m = b[0].length;
        double[][] w = new double[n][m];
        for (int c = 0; c < m; c++) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double v = b[i][c];
                for (int k = 0; k < i; k++) v -= a[i][k] * z[k];
                z[i] = v / a[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double v = z[i];
                for (int k = i + 1; k < n; k++) v -= a[k][i] * w[k][c];
                w[i][c] = v / a[i][i];
            }
        }
        return w;
    }

    private static INDArray rows(INDArray x, List<Integer> rows) {
        INDArray out = Nd4j.create(DataType.DOUBLE, rows.size(), x.size(1));
        for (int r = 0; r < rows.size(); r++) out.putRow(r, x.getRow(rows.get(r)));
        return out;
    }
}
