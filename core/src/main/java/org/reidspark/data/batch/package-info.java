/**
 * Batches: what a method's training batches are ({@link org.reidspark.data.batch.TrainingInputs}: sampling, image
 * views, per-sample {@link org.reidspark.data.batch.SampleField}s), the {@link org.reidspark.data.batch.Batch} record
 * (views, labels, stable keys, fields), and {@link org.reidspark.data.batch.BatchLoader}, which assembles
 * {@code [N, 3, H, W]} batches off the training thread (decode if needed, transform, normalize) deterministically
 * from seeds; {@link org.reidspark.data.batch.LoaderConfig} is {@code reid.loader}.
 */
package org.reidspark.data.batch;
