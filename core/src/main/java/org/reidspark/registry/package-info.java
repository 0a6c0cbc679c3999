/**
 * The model registry of the scheduled re-training pipeline, on any Hadoop file system (local disks, {@code s3a://}):
 * its layout and records ({@link org.reidspark.registry.Registry}: data versions, model versions with their decisions,
 * the champion alias, the history), what a dataset holds by content ({@link org.reidspark.registry.DataIndex}), the
 * gate a candidate passes to replace the champion ({@link org.reidspark.registry.GateRule}), and the lease that lets
 * one process at a time change a registry ({@link org.reidspark.registry.Lease}; its file and the registry's records
 * are written with {@link org.reidspark.artifact.AtomicFile}). No Spark here: the {@code retrain} and {@code registry}
 * jobs drive it.
 */
package org.reidspark.registry;
