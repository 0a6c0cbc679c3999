/**
 * Artifacts: run directories published atomically with their resolved config and provenance, and
 * {@link org.reidspark.artifact.Storage} for reading and writing any Hadoop file system (local, s3a://).
 */
package org.reidspark.artifact;
