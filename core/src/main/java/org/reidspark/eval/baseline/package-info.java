/**
 * Non-learned reference baselines: {@link org.reidspark.eval.baseline.ColorHistogramEmbedder} (stripe HSV
 * histograms) and {@link org.reidspark.eval.baseline.HistogramBaseline} (its mAP and Rank-1 on a manifest), the
 * floor learned methods are measured against and the calibration of the synthetic benchmark.
 * {@link org.reidspark.eval.baseline.ReferenceRanking} is a temporary, obviously-correct metric implementation
 * until the evaluation engine in {@code org.reidspark.eval} replaces it.
 */
package org.reidspark.eval.baseline;
