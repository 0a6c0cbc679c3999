package org.reidspark.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The obvious way, transcribed from torchreid's eval_market1501 / eval_cuhk03 and CAL's evaluate_with_clothes:
 * sort each whole row (stably: equal distances by ascending gallery index), drop junk, scan. Slow and plain on
 * purpose; the tests hold the fast evaluator to it.
 */
final class SlowRanking {
    private SlowRanking() {
    }

    record Result(double[] cmc, double mAP, double mINP, int valid) {
    }

    static Result evaluate(double[][] dist, Labels q, Labels g, Protocol protocol, int maxRank, int repeats, long seed) {
        int ng = g.size();
        int len = Math.min(maxRank, ng);
        double[] cmcSum = new double[len];
        double apSum = 0;
        double inpSum = 0;
        int valid = 0;
        for (int i = 0; i < q.size(); i++) {
            final double[] row = dist[i];
            Integer[] order = new Integer[ng];
            for (int j = 0; j < ng; j++) order[j] = j;
            Arrays.sort(order, Comparator.comparingDouble((Integer j) -> row[j]));  // stable: ties keep index order
            List<Integer> kept = new ArrayList<>();
            List<Integer> raw = new ArrayList<>();
            for (int j : order) {
                boolean samePid = q.pids()[i] == g.pids()[j];
                boolean good = samePid && isGood(q, g, i, j, protocol);
                boolean junk = samePid && !good;
                if (junk) continue;
                kept.add(j);
                raw.add(good ? 1 : 0);
            }
            if (!raw.contains(1)) continue;
            valid++;
            // CMC: cumulative sum clipped at 1, first len entries (a short list stays at 1 after its first hit).
            double[] cmc = new double[len];
            if (protocol != Protocol.SINGLE_GALLERY_SHOT) {
                int cum = 0;
                for (int k = 0; k < len; k++) {
                    if (k < raw.size()) cum += raw.get(k);
                    cmc[k] = Math.min(cum, 1);
                }
            } else {
                // torchreid eval_cuhk03 with the documented draw order: the true match first (among the true
                // matches in gallery order), then one item per other pid in ascending pid order.
                SplittableRandom rng = new SplittableRandom(RankingEvaluator.mix(seed, i));
                List<Integer> goods = new ArrayList<>();
                for (int j = 0; j < ng; j++) if (q.pids()[i] == g.pids()[j] && isGood(q, g, i, j, protocol)) goods.add(j);
                TreeMap<Integer, List<Integer>> byPid = new TreeMap<>();
                for (int j = 0; j < ng; j++) byPid.computeIfAbsent(g.pids()[j], k -> new ArrayList<>()).add(j);
                for (int rep = 0; rep < repeats; rep++) {
                    boolean[] mask = new boolean[ng];
                    mask[goods.get(rng.nextInt(goods.size()))] = true;
                    for (var e : byPid.entrySet()) {
                        if (e.getKey() == q.pids()[i]) continue;
                        List<Integer> items = e.getValue();
                        mask[items.get(rng.nextInt(items.size()))] = true;
                    }
                    int cum = 0;
                    int pos = 0;
                    double[] one = new double[len];
                    for (int t = 0; t < kept.size(); t++) {
                        if (!mask[kept.get(t)]) continue;
                        cum += raw.get(t);
                        if (pos < len) one[pos] = Math.min(cum, 1);
                        pos++;
                    }
                    for (int k = pos; k < len; k++) one[k] = Math.min(cum, 1);
                    for (int k = 0; k < len; k++) cmc[k] += one[k] / repeats;
                }
            }
            for (int k = 0; k < len; k++) cmcSum[k] += cmc[k];
            // AP: mean over the true matches of (matches so far) / (position + 1).
            int hits = 0;
            double ap = 0;
            int lastPos = -1;
            for (int t = 0; t < raw.size(); t++) {
                if (raw.get(t) == 1) {
                    hits++;
                    ap += (double) hits / (t + 1);
                    lastPos = t;
                }
            }
            apSum += ap / hits;
            inpSum += (double) hits / (lastPos + 1);
        }
        if (valid == 0) return new Result(new double[len], 0, 0, 0);
        double[] cmc = new double[len];
        for (int k = 0; k < len; k++) cmc[k] = cmcSum[k] / valid;
        return new Result(cmc, apSum / valid, inpSum / valid, valid);
    }

    private static boolean isGood(Labels q, Labels g, int i, int j, Protocol protocol) {
        boolean otherCam = q.camids()[i] != g.camids()[j];
        return switch (protocol) {
            case STANDARD, SINGLE_GALLERY_SHOT -> otherCam;
            case CLOTHES_CHANGING -> otherCam && q.clothes()[i] != g.clothes()[j];
            case SAME_CLOTHES -> otherCam && q.clothes()[i] == g.clothes()[j];
        };
    }
}
