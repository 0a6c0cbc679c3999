package org.reidspark.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * @param others       the same evaluation under further protocols ({@code reid.eval.also-protocols}), computed from
 *                     the same distances; each has no others of its own
 */
public record RankingMetrics(Protocol protocol, double[] cmc, double mAP, double mINP, int validQueries,
                             int queries, int gallery, List<RankingMetrics> others) {
    public RankingMetrics {
        cmc = cmc.clone();
        others = List.copyOf(others);
        for (RankingMetrics o : others) {
            if (!o.others.isEmpty() || o.protocol == protocol) throw new IllegalArgumentException("nested or repeated protocol " + o.protocol);
        }
    }

    /** Metrics under one protocol. */
    public RankingMetrics(Protocol protocol, double[] cmc, double mAP, double mINP, int validQueries, int queries, int gallery) {
        this(protocol, cmc, mAP, mINP, validQueries, queries, gallery, List.of());
    }

    /** These metrics with {@code others} beside them. */
    public RankingMetrics withOthers(List<RankingMetrics> more) {
        return new RankingMetrics(protocol, cmc, mAP, mINP, validQueries, queries, gallery, more);
    }

    /** These metrics and the others, headline first. */
    public List<RankingMetrics> all() {
        List<RankingMetrics> all = new ArrayList<>();
        all.add(withOthers(List.of()));
        all.addAll(others);
        return all;
    }

    /** The metrics under protocol {@code p}: these, or one of the others; an error naming those there are. */
    public RankingMetrics under(Protocol p) {
        for (RankingMetrics m : all()) if (m.protocol == p) return m;
        throw new IllegalArgumentException("no metrics under the " + p + " protocol; evaluated: "
                + all().stream().map(m -> m.protocol.configName()).toList() + " (reid.eval.protocol, reid.eval.also-protocols)");
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

    /**
     * The fields written to {@code metrics.json}: cmc, mAP, mINP, validQueries, and context; with other protocols,
     * {@code otherProtocols} maps each one's name to the same fields.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", protocol.configName());
        m.put("cmc", cmc.clone());
        m.put("mAP", mAP);
        m.put("mINP", mINP);
        m.put("validQueries", validQueries);
        m.put("queries", queries);
        m.put("gallery", gallery);
        if (!others.isEmpty()) {
            Map<String, Object> o = new LinkedHashMap<>();
            for (RankingMetrics r : others) o.put(r.protocol.configName(), r.toMap());
            m.put("otherProtocols", o);
        }
        return m;
    }

    /** One line for a job's summary: {@code <protocol> protocol: Rank-1 x, mAP y, mINP z (n valid queries)}. */
    public String line() {
        return String.format(Locale.ROOT, "%s protocol: Rank-1 %.4f, mAP %.4f, mINP %.4f (%d valid queries)",
                protocol.configName(), rank(1), mAP, mINP, validQueries);
    }

    /**
     * The {@link #line()} of each further protocol ({@link #others()}), indented, one per line with its line
     * separator; empty without others. What a job prints under its headline figures.
     */
    public String otherLines() {
        StringBuilder sb = new StringBuilder();
        for (RankingMetrics o : others) sb.append("  ").append(o.line()).append(System.lineSeparator());
        return sb.toString();
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
