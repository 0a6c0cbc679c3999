/**
 * The {@code augment} job: PAUL's surrogate positives of a shard set's training images, S copies each, made once on
 * the executors (one task per shard, each copy seeded by seed, key and copy index, resumable per partition) and
 * published as a surrogate set with each copy's transform recorded; and {@link org.reidspark.jobs.augment.SurrogateSet},
 * which the train job reads it back with ({@code reid.paul.surrogates}). The {@code augment-bench} benchmark compares
 * the job's cost with making the surrogates in the batch loader.
 */
package org.reidspark.jobs.augment;
