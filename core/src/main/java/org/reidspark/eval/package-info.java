/**
 * Evaluation: ranking metrics (CMC, mAP, mINP) under the standard, clothes-changing, same-clothes and
 * single-gallery-shot protocols ({@link org.reidspark.eval.RankingEvaluator}, fed distance blocks as they come); a
 * method's {@link org.reidspark.eval.TestFeatures} compared by its {@link org.reidspark.eval.Matching} rule through
 * blockwise {@link org.reidspark.eval.Distances} (one embedding: {@link org.reidspark.eval.DistanceBlocks};
 * visibility-weighted parts: {@link org.reidspark.eval.PartDistances}); the one-call
 * {@link org.reidspark.eval.Evaluator} and its config {@link org.reidspark.eval.EvalConfig} ({@code reid.eval});
 * evaluation labels of samples ({@link org.reidspark.eval.Labels}) and top-k rank lists from the same blocks
 * ({@link org.reidspark.eval.RankLists}). Re-ranking lives in {@code rerank}, the speed benchmark in {@code bench}.
 */
package org.reidspark.eval;
