/**
 * Test utilities shared by the jobs' tests: {@link org.reidspark.jobs.testing.S3Proxy}, a real S3 API on
 * loopback for S3A tests, and {@link org.reidspark.jobs.testing.JobRun}, a job run in-process with its exit code and output.
 */
package org.reidspark.jobs.testing;
