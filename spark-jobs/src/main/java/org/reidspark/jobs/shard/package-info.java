/**
 * The {@code shard} job ({@link org.reidspark.jobs.shard.ShardJob}) and the shard set it publishes: its
 * {@code reid.shard} config, its Parquet rows ({@link org.reidspark.jobs.shard.ShardRows}), and
 * {@link org.reidspark.jobs.shard.ShardSet}, which reads a published shard set back into in-memory
 * {@link org.reidspark.data.shard.Shard}s for training and evaluation.
 */
package org.reidspark.jobs.shard;
