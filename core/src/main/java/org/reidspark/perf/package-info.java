/**
 * CPU speed and memory measurement of the project's own networks: {@link org.reidspark.perf.NetworkBenchmark}
 * times training steps and inference of the ResNet re-ID networks against the machine's matrix-multiply rate,
 * configured by {@link org.reidspark.perf.BenchConfig} ({@code reid.bench}); {@link org.reidspark.perf.FenceStress}
 * provokes the freed-operand hazard of ND4J's own executioner. Results live in docs/performance.md.
 */
package org.reidspark.perf;
