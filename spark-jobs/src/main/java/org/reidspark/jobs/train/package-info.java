/**
 * Distributed training: the parameter-averaging trainer that runs a method's step on every executor over its
 * identity shard and merges the workers' states by their declared rules.
 */
package org.reidspark.jobs.train;
