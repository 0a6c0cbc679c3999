/**
 * PAUL, patch-based unsupervised learning (Yang, Yu, Wu and Zheng, "Patch-based Discriminative Feature Learning for
 * Unsupervised Person Re-identification", CVPR 2019, https://arxiv.org/abs/1904.01308; official code
 * {@code QizeYang/PAUL}), the method {@code paul}: its settings ({@link org.reidspark.method.paul.PaulConfig},
 * {@code reid.paul}), the method ({@link org.reidspark.method.paul.PaulMethod}), its network
 * ({@link org.reidspark.method.paul.PaulNetwork}, PatchNet: ResNet, patch generation network, bilinear samplers, patch
 * branches), its steps (unsupervised PEDAL + IPFL, and the supervised pre-training), its test network, and its parts:
 * the patch memory bank ({@link org.reidspark.method.paul.PatchMemoryBank}, which also serves as IPFL's image memory,
 * kept in the training state as keyed state by {@code BankState}) and cyclic-ranking negative mining
 * ({@link org.reidspark.method.paul.CyclicRanking}, in the batch as the official code does and over a whole set of
 * embeddings from precomputed neighbour lists). The two losses, PEDAL and IPFL, implement
 * {@link org.reidspark.loss.Loss} and live in {@code org.reidspark.loss}
 * ({@link org.reidspark.loss.PedalLoss}, {@link org.reidspark.loss.IpflLoss}); the surrogate view in
 * {@code org.reidspark.data.augment} ({@link org.reidspark.data.augment.SurrogateView}).
 */
package org.reidspark.method.paul;
