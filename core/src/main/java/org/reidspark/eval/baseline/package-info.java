/**
 * Non-learned reference baselines: {@link org.reidspark.eval.baseline.ColorHistogramEmbedder} (stripe HSV
 * histograms) and {@link org.reidspark.eval.baseline.HistogramBaseline} (its mAP and CMC on a manifest through the
 * evaluation engine): the floor learned methods are measured against in the same run; and
 * {@link org.reidspark.eval.baseline.SynthCalibration}, the synthetic benchmark's difficulty measured with it.
 */
package org.reidspark.eval.baseline;
