/**
 * The {@code extract} job ({@link org.reidspark.jobs.extract.ExtractJob}): a trained model embeds every image of a
 * prefix or manifest into {@code embeddings.parquet}, one Spark task and one file per partition of the sorted input
 * list ({@link org.reidspark.jobs.extract.PartitionExtractor}, {@link org.reidspark.jobs.extract.ExtractFiles}), so
 * that a rerun after a crash finishes only the missing partitions ({@link org.reidspark.jobs.extract.ExtractPlan}).
 */
package org.reidspark.jobs.extract;
