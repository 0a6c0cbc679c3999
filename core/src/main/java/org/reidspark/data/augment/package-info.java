/**
 * Augmentation: per-image transforms into network input ({@link org.reidspark.data.augment.ImageTransform}, one per
 * view of a training sample): BoT's training transform ({@link org.reidspark.data.augment.Augmentation}: flip, pad + random crop,
 * random erasing; https://arxiv.org/abs/1903.07071, https://arxiv.org/abs/1708.04896) and PAUL's surrogate
 * positives ({@link org.reidspark.data.augment.Surrogate}: colour jitter, rotation, crop;
 * https://arxiv.org/abs/1904.01308), with their config records. Every transform draws from an explicit
 * {@link java.util.SplittableRandom}, so results follow from seeds alone.
 */
package org.reidspark.data.augment;
