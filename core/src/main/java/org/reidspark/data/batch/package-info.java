/**
 * Batches: {@link org.reidspark.data.batch.BatchLoader} assembles {@code [N, 3, H, W]} input batches with their
 * labels off the training thread (decode if needed, augment, normalize), deterministically from seeds;
 * {@link org.reidspark.data.batch.LoaderConfig} is {@code reid.loader}.
 */
package org.reidspark.data.batch;
