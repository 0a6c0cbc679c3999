package org.reidspark.eval.bench;

import java.util.Arrays;

/**
 * k-reciprocal re-ranking transcribed from the reference {@code re_ranking(q_g_dist, q_q_dist, g_g_dist, k1, k2,
 * lambda_value)} with its dense arrays: the squared, normalized N x N distances, the full argsort of every row
 * ({@code initial_rank}), V and the expanded V as N x N float32, then the inverted index and the Jaccard
 * distances. Single-threaded, as numpy. A stand-in for the reference code in the benchmark; its memory is
 * about 4 N^2 x 4 bytes plus the inputs.
 */
public final class DenseRerankReference {
    private DenseRerankReference() {
    }

    /** Given float32 (not squared) distances, row-major; returns the {@code nq x ng} final distances. */
    public static float[] rerank(float[] qg, float[] qq, float[] gg, int nq, int ng, int k1, int k2, double lambda) {
        int n = nq + ng;
        float[][] o = new float[n][n];
        for (int i = 0; i < n; i++) {
            float[] row = o[i];
            if (i < nq) {
                for (int j = 0; j < nq; j++) row[j] = qq[i * nq + j];
                for (int j = 0; j < ng; j++) row[nq + j] = qg[i * ng + j];
            } else {
                int g = i - nq;
                for (int j = 0; j < nq; j++) row[j] = qg[j * ng + g];
                for (int j = 0; j < ng; j++) row[nq + j] = gg[g * ng + j];
            }
            for (int j = 0; j < n; j++) row[j] = row[j] * row[j];
        }
        // original_dist = transpose(original_dist / max(original_dist, axis=0)): divide columns, transpose in place
        float[] colMax = new float[n];
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        for (float[] row : o) for (int j = 0; j < n; j++) if (row[j] > colMax[j]) colMax[j] = row[j];
        for (float[] row : o) for (int j = 0; j < n; j++) row[j] = row[j] / colMax[j];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                float t = o[i][j];
                o[i][j] = o[j][i];
                o[j][i] = t;
            }
        }
        // initial_rank = argsort(original_dist)
        int[][] rank = new int[n][n];
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) keys[j] = ((long) FullSortReference.sortable(o[i][j]) << 32) | j;
            Arrays.sort(keys);
            for (int j = 0; j < n; j++) rank[i][j] = (int) keys[j];
        }
        float[][] v = new float[n][n];
        int fw = Math.min(n, k1 + 1);
        int hw = Math.min(n, (int) Math.rint(k1 / 2.0) + 1);
        int[] kr = new int[fw];
        int[] cand = new int[hw];
        int[] exp = new int[fw + fw * hw];
        for (int i = 0; i < n; i++) {
            int nr = 0;
            for (int t = 0; t < fw; t++) {
                int c = rank[i][t];
                if (contains(rank[c], fw, i)) kr[nr++] = c;
            }
            int ne = 0;
            for (int t = 0; t < nr; t++) exp[ne++] = kr[t];
            for (int t = 0; t < nr; t++) {
                int c = kr[t];
                int nc = 0;
                for (int u = 0; u < hw; u++) {
                    int x = rank[c][u];
                    if (contains(rank[x], hw, c)) cand[nc++] = x;
                }
                int common = 0;
                for (int u = 0; u < nc; u++) if (contains(kr, nr, cand[u])) common++;
                if (common > 2. / 3 * nc) for (int u = 0; u < nc; u++) exp[ne++] = cand[u];
            }
            int[] e = Arrays.stream(exp, 0, ne).distinct().sorted().toArray();
            double sum = 0;
            for (int j : e) sum += Math.exp(-o[i][j]);
            for (int j : e) v[i][j] = (float) (Math.exp(-o[i][j]) / sum);
        }
        if (k2 != 1) {
            int kk = Math.min(n, k2);
            float[][] qe = new float[n][n];
            for (int i = 0; i < n; i++) {
                float[] dst = qe[i];
                for (int t = 0; t < kk; t++) {
                    float[] src = v[rank[i][t]];
                    for (int j = 0; j < n; j++) dst[j] += src[j];
                }
                for (int j = 0; j < n; j++) dst[j] /= kk;
            }
            v = qe;
        }
        rank = null;
        // invIndex[c] = rows r with V[r, c] != 0
        int[][] inv = new int[n][];
        int[] buf = new int[n];
        for (int c = 0; c < n; c++) {
            int cnt = 0;
            for (int r = 0; r < n; r++) if (v[r][c] != 0) buf[cnt++] = r;
            inv[c] = Arrays.copyOf(buf, cnt);
        }
        float[] out = new float[nq * ng];
        float[] tm = new float[n];
        for (int i = 0; i < nq; i++) {
            Arrays.fill(tm, 0);
            float[] vi = v[i];
            for (int c = 0; c < n; c++) {
                if (vi[c] == 0) continue;
                for (int r : inv[c]) tm[r] += Math.min(vi[c], v[r][c]);
            }
            for (int g = 0; g < ng; g++) {
                float t = tm[nq + g];
                float jac = 1 - t / (2 - t);
                out[i * ng + g] = (float) (jac * (1 - lambda) + o[i][nq + g] * lambda);
            }
        }
        return out;
    }

    private static boolean contains(int[] a, int len, int x) {
        for (int t = 0; t < len; t++) if (a[t] == x) return true;
        return false;
    }
}
