/** Evaluation on Spark: embedding identity shards on the executors and ranking query against gallery. */
package org.reidspark.jobs.evaluate;
