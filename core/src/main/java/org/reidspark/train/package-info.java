/**
 * Training: the {@link org.reidspark.train.TrainingState} (a {@link org.reidspark.train.NetworkSet} of DL4J
 * graphs with their optimizers, auxiliary state with declared {@link org.reidspark.train.MergeRule}s, and
 * the schedule position), its merging for parameter averaging and the bytes that moves per round
 * ({@link org.reidspark.train.AveragingTraffic}), learning-rate schedules, and the trainers that run a method's steps.
 */
package org.reidspark.train;
