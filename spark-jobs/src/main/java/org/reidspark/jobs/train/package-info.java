/**
 * Distributed training: the parameter-averaging trainer that runs a method's step on every executor over its
 * identity shard and merges the workers' states by their declared rules; and {@code bench-scaling}, the benchmark of
 * its scaling ({@link org.reidspark.jobs.train.ScalingBenchJob}).
 */
package org.reidspark.jobs.train;
