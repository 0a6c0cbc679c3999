package org.reidspark.eval.baseline;

import org.reidspark.data.Sample;

import java.util.List;

/**
 * A small, deliberately obvious implementation of the standard re-ID ranking metrics, used to calibrate
 * the synthetic benchmark until the evaluation engine lands.
 * TODO(org.reidspark.eval): replace with the evaluation engine's metrics (same protocol) and delete this class.
 *
 * <p>Protocol (torchreid / fast-reid; CAL for clothes-changing): per query, sort the gallery by ascending
 * distance, ties by ascending gallery index; drop gallery items with the query's pid and camera (standard),
 * also those with the query's pid and clothes (clothes-changing), or keep only same-clothes matches as good
 * (same-clothes: different-clothes items of the pid are dropped); a query with no remaining true match is
 * skipped. AP = mean over the true matches of the precision at each match's rank; mAP and Rank-1 over valid
 * queries.
 */
public final class ReferenceRanking {
    public enum Protocol { STANDARD, CLOTHES_CHANGING, SAME_CLOTHES }

    /**
     * @param mAP          mean average precision over valid queries
     * @param rank1        fraction of valid queries whose first kept gallery item is a true match
     * @param validQueries queries with at least one true match left
     */
    public record Metrics(double mAP, double rank1, int validQueries) {
    }

    private ReferenceRanking() {
    }

    /** Rows of {@code query} and {@code gallery} are unit-norm embeddings; distance is {@code 1 - cosine}. */
    public static Metrics evaluate(double[][] query, List<Sample> q, double[][] gallery, List<Sample> g, Protocol protocol) {
        if (query.length != q.size() || gallery.length != g.size()) {
            throw new IllegalArgumentException("embeddings and samples differ in number: " + query.length + "/" + q.size()
                    + " queries, " + gallery.length + "/" + g.size() + " gallery items");
        }
        double apSum = 0;
        int hits = 0;
        int valid = 0;
        Integer[] order = new Integer[g.size()];
        double[] dist = new double[g.size()];
        for (int i = 0; i < q.size(); i++) {
            Sample qs = q.get(i);
            for (int j = 0; j < g.size(); j++) {
                double dot = 0;
                for (int d = 0; d < query[i].length; d++) dot += query[i][d] * gallery[j][d];
                dist[j] = 1 - dot;
                order[j] = j;
            }
            java.util.Arrays.sort(order, (a, b) -> dist[a] != dist[b] ? Double.compare(dist[a], dist[b]) : Integer.compare(a, b));
            int rank = 0;
            int matches = 0;
            double precisionSum = 0;
            boolean first = true;
            boolean firstHit = false;
            for (int j : order) {
                Sample gs = g.get(j);
                boolean samePid = gs.pid() == qs.pid();
                if (samePid && gs.camid() == qs.camid()) continue;
                if (samePid && protocol == Protocol.CLOTHES_CHANGING && gs.clothes() == qs.clothes()) continue;
                if (samePid && protocol == Protocol.SAME_CLOTHES && gs.clothes() != qs.clothes()) continue;
                rank++;
                if (samePid) {
                    matches++;
                    precisionSum += (double) matches / rank;
                    if (first) firstHit = true;
                }
                first = false;
            }
            if (matches == 0) continue;
            valid++;
            apSum += precisionSum / matches;
            if (firstHit) hits++;
        }
        if (valid == 0) throw new IllegalArgumentException("no query has a true match in the gallery under the "
                + protocol.name().toLowerCase(java.util.Locale.ROOT) + " protocol");
        return new Metrics(apSum / valid, (double) hits / valid, valid);
    }
}
