package org.reidspark.eval.bench;

import org.reidspark.eval.Labels;

import java.util.Arrays;

/**
 * Ranking metrics the way the reference codes compute them (torchreid's {@code eval_market1501}): argsort every
 * row of the distance matrix, then walk it, removing same-pid same-camera items, and accumulate CMC, AP and INP.
 * Standard protocol only; single-threaded, as numpy is. A stand-in for the reference codes in the benchmark
 * (numpy's argsort alone takes about 1 s at Market scale, the per-query Python loop about 70 s).
 */
public final class FullSortReference {
    private FullSortReference() {
    }

    /** {cmc..., mAP, mINP, valid} for a {@code nq x ng} row-major matrix. */
    public static double[] evaluate(float[] dist, Labels q, Labels g, int maxRank) {
        int nq = q.size();
        int ng = g.size();
        int len = Math.min(maxRank, ng);
        double[] cmc = new double[len];
        double apSum = 0;
        double inpSum = 0;
        int valid = 0;
        long[] keys = new long[ng];
        for (int i = 0; i < nq; i++) {
            int off = i * ng;
            for (int j = 0; j < ng; j++) keys[j] = ((long) sortable(dist[off + j]) << 32) | j;
            Arrays.sort(keys);
            int pos = 0;
            int hits = 0;
            int first = -1;
            int last = -1;
            double ap = 0;
            for (long key : keys) {
                int j = (int) key;
                boolean samePid = q.pids()[i] == g.pids()[j];
                if (samePid && q.camids()[i] == g.camids()[j]) continue;
                if (samePid) {
                    hits++;
                    ap += (double) hits / (pos + 1);
                    if (first < 0) first = pos;
                    last = pos;
                }
                pos++;
            }
            if (hits == 0) continue;
            valid++;
            for (int k = first; k < len; k++) cmc[k] += 1;
            apSum += ap / hits;
            inpSum += (double) hits / (last + 1);
        }
        double[] out = new double[len + 3];
        for (int k = 0; k < len; k++) out[k] = cmc[k] / valid;
        out[len] = apSum / valid;
        out[len + 1] = inpSum / valid;
        out[len + 2] = valid;
        return out;
    }

    /** An int whose signed order is the float's order (-0.0 counted as 0.0). */
    static int sortable(float f) {
        int b = Float.floatToIntBits(f + 0.0f);
        return b < 0 ? b ^ 0x7fffffff : b;
    }
}
