/**
 * Evaluation: ranking metrics (CMC, mAP, mINP) under the standard, clothes-changing, same-clothes and
 * single-gallery-shot protocols ({@link org.reidspark.eval.RankingEvaluator}, fed distance blocks as they come),
 * blockwise distances from embeddings ({@link org.reidspark.eval.DistanceBlocks}), the one-call
 * {@link org.reidspark.eval.Evaluator} and its config {@link org.reidspark.eval.EvalConfig} ({@code reid.eval}),
 * and top-k rank lists from the same blocks ({@link org.reidspark.eval.RankLists}).
 * Re-ranking lives in {@code rerank}, the speed benchmark in {@code bench}.
 */
package org.reidspark.eval;
