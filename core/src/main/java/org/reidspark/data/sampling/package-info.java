/**
 * Sampling: which samples form each batch. {@link org.reidspark.data.sampling.IdentitySampler} draws BoT's P x K
 * identity batches deterministically from (seed, epoch), over a whole training split or an identity shard;
 * {@link org.reidspark.data.sampling.Sequential} cuts evaluation batches in order.
 */
package org.reidspark.data.sampling;
