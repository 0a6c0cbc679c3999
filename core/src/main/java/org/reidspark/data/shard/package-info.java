/**
 * Identity shards: the {@link org.reidspark.data.shard.ShardPlan} that puts every person's images of a split in
 * one shard with balanced image counts, the {@link org.reidspark.data.shard.Sharder} that reads, hashes, decodes
 * and resizes each sample once (bad images become records with a reason), the
 * {@link org.reidspark.data.shard.ShardSummary} of a run (counts, bad list, the bad-fraction check), and
 * {@link org.reidspark.data.shard.Shard}, one shard read back into memory for training or evaluation.
 * The shard job (spark-jobs) stores them as Parquet.
 */
package org.reidspark.data.shard;
