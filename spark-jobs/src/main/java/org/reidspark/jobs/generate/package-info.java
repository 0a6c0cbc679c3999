/**
 * The {@code generate} job: DG-Net's cross-identity images (https://arxiv.org/abs/1904.07223) of a shard set's training
 * images, made on the executors from a trained DG-Net run and published as a generated set that training reads as extra
 * data.
 */
package org.reidspark.jobs.generate;
