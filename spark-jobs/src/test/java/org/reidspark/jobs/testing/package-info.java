/**
 * Test utilities shared by the jobs' tests: {@link org.reidspark.jobs.testing.S3Proxy}, a real S3 API on
 * loopback for S3A tests.
 */
package org.reidspark.jobs.testing;
