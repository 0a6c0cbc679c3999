/**
 * The {@code extract} job ({@link org.reidspark.jobs.extract.ExtractJob}): a trained model embeds every image of a
 * prefix, manifest or shard set into {@code embeddings.parquet}, one Spark task and one file per partition of the
 * sorted input list or per shard ({@link org.reidspark.jobs.extract.PartitionExtractor}, its images decoded from their
 * files or read as a shard set stores them, {@link org.reidspark.jobs.extract.StoredShard};
 * {@link org.reidspark.jobs.extract.ExtractFiles}), so that a rerun after a crash finishes only the missing partitions
 * ({@link org.reidspark.jobs.extract.ExtractPlan}); the rows written by
 * {@link org.reidspark.jobs.extract.EmbeddingRows}, and their NumPy copies by {@link org.reidspark.jobs.extract.NpyExport}
 * (each task writes its part's; a last pass counts the parts and writes any that are missing). Also {@code extract-bench}
 * ({@link org.reidspark.jobs.extract.ExtractBenchJob}), the job's rate against the model's compute-only rate.
 */
package org.reidspark.jobs.extract;
