package org.reidspark.eval.rerank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A line-by-line transcription of the reference re_ranking(q_g_dist, q_q_dist, g_g_dist, k1, k2, lambda_value)
 * (Zhong et al., as copied by torchreid) with dense N x N arrays, float32 where numpy has float32, and a stable
 * argsort (ties by index). Slow and plain on purpose; the tests hold the sparse implementation to it.
 */
final class SlowRerank {
    private SlowRerank() {
    }

    /** Given (not squared) float32 distances as 2-D arrays; returns the nq x ng final distances. */
    static double[][] rerank(float[][] qg, float[][] qq, float[][] gg, int k1, int k2, double lambda) {
        int nq = qg.length;
        int ng = gg.length;
        int n = nq + ng;
        // original_dist = concatenate([[q_q, q_g], [q_g.T, g_g]])
        float[][] orig = new float[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float v;
                if (i < nq) v = j < nq ? qq[i][j] : qg[i][j - nq];
                else v = j < nq ? qg[j][i - nq] : gg[i - nq][j - nq];
                orig[i][j] = v * v;  // np.power(original_dist, 2).astype(np.float32)
            }
        }
        // original_dist = np.transpose(1. * original_dist / np.max(original_dist, axis=0))
        float[] colMax = new float[n];
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) colMax[j] = Math.max(colMax[j], orig[i][j]);
        float[][] o = new float[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) o[i][j] = orig[j][i] / colMax[i];
        // initial_rank = np.argsort(original_dist) (stable here)
        int[][] rank = new int[n][];
        for (int i = 0; i < n; i++) {
            final float[] row = o[i];
            Integer[] idx = new Integer[n];
            for (int j = 0; j < n; j++) idx[j] = j;
            Arrays.sort(idx, Comparator.comparingDouble((Integer j) -> row[j]));
            rank[i] = Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            int[] forward = Arrays.copyOf(rank[i], Math.min(n, k1 + 1));
            List<Integer> kr = new ArrayList<>();
            for (int c : forward) if (contains(Arrays.copyOf(rank[c], Math.min(n, k1 + 1)), i)) kr.add(c);
            TreeSet<Integer> expansion = new TreeSet<>(kr);
            int h = (int) Math.rint(k1 / 2.0) + 1;
            for (int c : kr) {
                int[] cf = Arrays.copyOf(rank[c], Math.min(n, h));
                List<Integer> ckr = new ArrayList<>();
                for (int x : cf) if (contains(Arrays.copyOf(rank[x], Math.min(n, h)), c)) ckr.add(x);
                int common = 0;
                for (int x : ckr) if (kr.contains(x)) common++;
                if (common > 2. / 3 * ckr.size()) expansion.addAll(ckr);
            }
            double sum = 0;
            for (int j : expansion) sum += Math.exp(-o[i][j]);
            for (int j : expansion) v[i][j] = Math.exp(-o[i][j]) / sum;
        }
        if (k2 != 1) {
            double[][] qe = new double[n][n];
            int kk = Math.min(n, k2);
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < kk; t++) for (int j = 0; j < n; j++) qe[i][j] += v[rank[i][t]][j];
                for (int j = 0; j < n; j++) qe[i][j] /= kk;
            }
            v = qe;
        }
        double[][] out = new double[nq][ng];
        for (int i = 0; i < nq; i++) {
            for (int g = 0; g < ng; g++) {
                double tm = 0;
                for (int c = 0; c < n; c++) if (v[i][c] != 0) tm += Math.min(v[i][c], v[nq + g][c]);
                double jac = 1 - tm / (2 - tm);
                out[i][g] = jac * (1 - lambda) + o[i][nq + g] * lambda;
            }
        }
        return out;
    }

    private static boolean contains(int[] a, int x) {
        for (int y : a) if (y == x) return true;
        return false;
    }
}
