/**
 * The report of a run: {@code report/index.html} made from a training run's or an evaluation's artifacts alone
 * ({@link org.reidspark.report.RunArtifacts}, through {@code Storage}: local or {@code s3a://}), as a list of
 * {@link org.reidspark.report.ReportSection}s: metrics beside the baseline and provenance, learning curves, CMC, rank
 * lists as pictures, mAP per camera pair, and what a method adds (the report job's {@code ReportSections}). Charts
 * are JFreeChart PNGs ({@link org.reidspark.report.Charts}), also used for the docs' figures
 * ({@link org.reidspark.report.DocFigures}).
 */
package org.reidspark.report;
