package org.reidspark.eval;

/**
 * Each query's own result of an evaluation: its average precision and the rank (1-based, junk removed) of its first
 * true match, taken from the same distances as the metrics ({@link Evaluator#evaluate(Embeddings, Embeddings, Labels,
 * Labels, EvalConfig, RankLists, QueryOutcomes)}). A query without a true match is not valid: the metrics skip it,
 * and so does a mean over {@link #averagePrecision(int)}. For the report's best, median and worst queries and for
 * notebooks.
 */
public final class QueryOutcomes {
    private final double[] ap;
    private final int[] firstMatch;
    private boolean filled;

    public QueryOutcomes(int queries) {
        if (queries < 1) throw new IllegalArgumentException("query outcomes need at least one query, got " + queries);
        this.ap = new double[queries];
        this.firstMatch = new int[queries];
    }

    /** Copies every query's outcome from a complete evaluator over the same queries. */
    void fill(RankingEvaluator evaluator) {
        if (evaluator.queries() != ap.length) {
            throw new IllegalArgumentException("query outcomes for " + ap.length + " queries, but the evaluation has "
                    + evaluator.queries());
        }
        for (int q = 0; q < ap.length; q++) {
            ap[q] = evaluator.averagePrecision(q);
            firstMatch[q] = evaluator.firstMatchRank(q);
        }
        filled = true;
    }

    public int queries() {
        return ap.length;
    }

    /** Average precision of query q; 0 for a query without a true match. */
    public double averagePrecision(int q) {
        check();
        return ap[q];
    }

    /** Rank of query q's first true match (junk removed), 0 for a query without one. */
    public int firstMatchRank(int q) {
        check();
        return firstMatch[q];
    }

    /** True when query q has a true match (the metrics count it). */
    public boolean valid(int q) {
        check();
        return firstMatch[q] > 0;
    }

    private void check() {
        if (!filled) throw new IllegalStateException("query outcomes read before the evaluation filled them");
    }
}
