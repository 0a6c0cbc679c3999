/**
 * The {@code mine} job: PAUL's cyclic-ranking negatives over a whole set of embeddings (an {@code extract} output),
 * from exact neighbour lists computed blockwise on the executors; and the {@code mine-bench} benchmark of that search.
 */
package org.reidspark.jobs.mine;
