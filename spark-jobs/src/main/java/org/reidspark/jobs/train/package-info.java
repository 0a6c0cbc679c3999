/**
 * Distributed training: the parameter-averaging trainer that runs a method's step on every executor over its
 * identity shard and merges the workers' states by their declared rules, its rounds run by long-lived worker tasks that
 * exchange with the driver over sockets ({@link org.reidspark.jobs.train.ResidentWorkers}) or as a Spark job each; the
 * executors' resident training states ({@link org.reidspark.jobs.train.ResidentStates}); and {@code bench-scaling}, the benchmark of
 * its scaling ({@link org.reidspark.jobs.train.ScalingBenchJob}).
 */
package org.reidspark.jobs.train;
