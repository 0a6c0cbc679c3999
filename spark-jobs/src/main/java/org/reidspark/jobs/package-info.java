/**
 * The Spark jobs behind {@code submit/reid}: {@link org.reidspark.jobs.Main} parses the command line and
 * config, {@link org.reidspark.jobs.Jobs} maps a job name to its class, and each job is thin: parse config,
 * read, call core, write. Spark sessions are built by {@link org.reidspark.jobs.SparkSessions}; tasks bind to the
 * GPU Spark assigned them with {@link org.reidspark.jobs.TaskGpu}, and take their share of the CPU cores' native threads
 * with {@link org.reidspark.jobs.TaskThreads}.
 */
package org.reidspark.jobs;
