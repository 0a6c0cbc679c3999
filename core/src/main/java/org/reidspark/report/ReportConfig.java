package org.reidspark.report;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.report}: the run report and what a training run's final evaluation keeps for it.
 *
 * @param enabled         {@code reid.report.enabled}: write {@code report/} at the end of train, train-local, evaluate
 * @param topK            {@code reid.report.top-k}: rank-list length of a training run's final evaluation (>= 1)
 * @param rankListQueries {@code reid.report.rank-list-queries}: queries drawn for each of best, median, worst (>= 1)
 */
public record ReportConfig(boolean enabled, int topK, int rankListQueries) {
    public ReportConfig {
        Check.positive("reid.report.top-k", topK);
        Check.positive("reid.report.rank-list-queries", rankListQueries);
    }

    public static ReportConfig from(Config c) {
        return new ReportConfig(c.getBoolean("reid.report.enabled"), c.getInt("reid.report.top-k"),
                c.getInt("reid.report.rank-list-queries"));
    }
}
