package org.reidspark.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The ranking metrics of one evaluation.
 *
 * @param protocol     the protocol they were computed under
 * @param cmc          {@code cmc[k-1]} = fraction of valid queries with a true match within the first k ranks
 *                     (single-gallery-shot: averaged over the random draws); length min(max rank, gallery size)
 * @param mAP          mean over valid queries of the non-interpolated average precision
 * @param mINP         mean over valid queries of (number of true matches) / (rank of the last true match)
 * @param validQueries queries with at least one true match (the others are skipped, as the reference codes do)
 * @param queries      all queries
 * @param gallery      gallery size
 */
public record RankingMetrics(Protocol protocol, double[] cmc, double mAP, double mINP, int validQueries,
                             int queries, int gallery) {
    public RankingMetrics {
        cmc = cmc.clone();
    }

    @Override
    public double[] cmc() {
        return cmc.clone();
    }

    /** CMC at rank {@code k} (1-based), e.g. {@code rank(1)} = Rank-1 accuracy. */
    public double rank(int k) {
        if (k < 1 || k > cmc.length) throw new IllegalArgumentException("rank " + k + " outside 1.." + cmc.length);
        return cmc[k - 1];
    }

    /** The fields written to {@code metrics.json}: cmc, mAP, mINP, validQueries, and context. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", protocol.configName());
        m.put("cmc", cmc.clone());
        m.put("mAP", mAP);
        m.put("mINP", mINP);
        m.put("validQueries", validQueries);
        m.put("queries", queries);
        m.put("gallery", gallery);
        return m;
    }

    /** One line: Rank-1/5/10, mAP, mINP in percent. */
    public String summary() {
        return String.format(Locale.ROOT, "%s: Rank-1 %.2f%%, Rank-5 %.2f%%, Rank-10 %.2f%%, mAP %.2f%%, mINP %.2f%% (%d of %d queries valid, gallery %d)",
                protocol.configName(), 100 * at(1), 100 * at(5), 100 * at(10), 100 * mAP, 100 * mINP,
                validQueries, queries, gallery);
    }

    private double at(int k) {
        return cmc[Math.min(k, cmc.length) - 1];
    }

    @Override
    public String toString() {
        return summary();
    }
}
