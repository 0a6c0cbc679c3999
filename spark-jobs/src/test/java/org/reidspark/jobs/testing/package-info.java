/**
 * Test utilities shared by the jobs' tests: {@link org.reidspark.jobs.testing.S3Proxy}, a real S3 API on
 * loopback for S3A tests, {@link org.reidspark.jobs.testing.JobRun}, a job run in-process with its exit code and
 * output, and {@link org.reidspark.jobs.testing.HeadlessChromium}, a real headless browser driven through the
 * DevTools protocol.
 */
package org.reidspark.jobs.testing;
