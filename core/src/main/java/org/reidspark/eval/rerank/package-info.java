/**
 * k-reciprocal re-ranking (Zhong et al., CVPR 2017) without dense {@code N x N} matrices:
 * {@link org.reidspark.eval.rerank.KReciprocalReranker} over a {@link org.reidspark.eval.rerank.CombinedDistances}
 * source, either embeddings ({@link org.reidspark.eval.rerank.FeatureDistances}) or given distance matrices
 * ({@link org.reidspark.eval.rerank.MatrixDistances}).
 */
package org.reidspark.eval.rerank;
