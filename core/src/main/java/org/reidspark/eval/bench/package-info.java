/**
 * The evaluation speed benchmark ({@link org.reidspark.eval.bench.EvalBenchmark}, a plain {@code main}): a
 * Market-1501-sized case of identity-structured random embeddings ({@link org.reidspark.eval.bench.SyntheticMarket}),
 * and the straightforward implementations measured beside the engine in the same run
 * ({@link org.reidspark.eval.bench.FullSortReference}: sort every row, then scan;
 * {@link org.reidspark.eval.bench.DenseRerankReference}: re-ranking with dense N x N arrays, as the reference code).
 * Not used by the engine itself.
 */
package org.reidspark.eval.bench;
