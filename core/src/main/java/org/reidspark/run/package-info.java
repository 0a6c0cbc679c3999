/**
 * Experiment orchestration above the methods: a whole training run in one JVM
 * ({@link org.reidspark.run.LocalTraining}, what {@code train-local} does), a method's ablation
 * ({@link org.reidspark.run.Ablation}: BoT's tricks, DCR's parts and matchings), and a published run's model read back
 * ({@link org.reidspark.run.TrainedModel}) and shipped to Spark executors ({@link org.reidspark.run.TestModel}).
 * Nothing below imports this package.
 */
package org.reidspark.run;
