/**
 * PAUL, patch-based unsupervised learning (Yang, Yu, Wu and Zheng, "Patch-based Discriminative Feature Learning for
 * Unsupervised Person Re-identification", CVPR 2019, https://arxiv.org/abs/1904.01308; official code
 * {@code QizeYang/PAUL}): its parts, more to come. So far the patch memory bank
 * ({@link org.reidspark.method.paul.PatchMemoryBank}, which also serves as IPFL's image-level memory) and cyclic-ranking
 * negative mining ({@link org.reidspark.method.paul.CyclicRanking}, in the batch as the official code does and over a
 * whole set of embeddings from precomputed neighbour lists). The two losses, PEDAL and IPFL, implement
 * {@link org.reidspark.loss.Loss} and live in {@code org.reidspark.loss}
 * ({@link org.reidspark.loss.PedalLoss}, {@link org.reidspark.loss.IpflLoss}).
 */
package org.reidspark.method.paul;
