/**
 * Sampling: which samples form each batch ({@link org.reidspark.data.sampling.BatchSampler}).
 * {@link org.reidspark.data.sampling.IdentitySampler} draws BoT's P x K identity batches and
 * {@link org.reidspark.data.sampling.RandomSampler} shuffled batches that ignore labels, deterministically from
 * (seed, epoch), over a whole training split or an identity shard; {@link org.reidspark.data.sampling.Sequential}
 * cuts evaluation batches in order.
 */
package org.reidspark.data.sampling;
