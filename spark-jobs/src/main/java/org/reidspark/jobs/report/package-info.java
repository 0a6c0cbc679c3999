/**
 * The run report's jobs side: the {@code report} job ({@link org.reidspark.jobs.report.ReportJob}), what train,
 * train-local and evaluate call at their end ({@link org.reidspark.jobs.report.RunReports}), and the sections each
 * method adds ({@link org.reidspark.jobs.report.ReportSections}). The report itself is core's {@code org.reidspark.report}.
 */
package org.reidspark.jobs.report;
