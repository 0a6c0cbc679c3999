/**
 * Evaluation on Spark: embedding identity shards on the executors ({@link org.reidspark.jobs.evaluate.SparkEmbedding}),
 * ranking query against gallery, and the {@code evaluate} job ({@link org.reidspark.jobs.evaluate.EvaluateJob}), which
 * publishes a trained run's metrics and rank lists ({@link org.reidspark.jobs.evaluate.RankListRows}) as an
 * evaluation artifact.
 */
package org.reidspark.jobs.evaluate;
