/**
 * Artifacts: run directories published atomically with their resolved config and provenance, and
 * {@link org.reidspark.artifact.Storage} for reading and writing any Hadoop file system (local, s3a://), and
 * {@link org.reidspark.artifact.AtomicFile} for small files (locks, pointers, records) replaced in one step.
 */
package org.reidspark.artifact;
