/**
 * Training, the same for every method: the {@link org.reidspark.train.TrainingState} (a
 * {@link org.reidspark.train.NetworkSet} of DL4J graphs with their optimizers, auxiliary state, each component with
 * its {@link org.reidspark.train.MergeRule}, and the schedule position) and its merging for parameter averaging
 * ({@link org.reidspark.train.MergeAccumulator}; the bytes a round moves: {@link org.reidspark.train.AveragingTraffic});
 * the one place steps run ({@link org.reidspark.train.Round}: learning rates, step context, divergence), the epoch
 * loop both trainers share ({@link org.reidspark.train.EpochLoop}: schedule, guards, progress, checkpoints,
 * evaluation), the local trainer, a method's batches ({@link org.reidspark.train.InputBatches}) and learning-rate
 * schedules. The Spark trainer lives in the jobs module and runs the same rounds.
 */
package org.reidspark.train;
