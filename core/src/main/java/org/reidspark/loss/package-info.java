/**
 * Losses computed outside the networks on their outputs, each returning its value and its gradient with respect to
 * its input ({@link org.reidspark.loss.LossResult}) and each checked against a double-precision numerical gradient:
 * label-smoothed cross-entropy, batch-hard triplet (hinge or soft margin), center loss (with its own center update), PAUL's
 * PEDAL ({@link org.reidspark.loss.PedalLoss}, against a patch memory bank) and IPFL ({@link org.reidspark.loss.IpflLoss},
 * a triplet against image centers with cyclic-ranking negatives from PAUL's package {@code method.paul}),
 * and {@link org.reidspark.loss.WeightedLoss}, the weighted sum over named outputs that
 * {@link org.reidspark.loss.ReidLosses} builds from {@code reid.loss}.
 */
package org.reidspark.loss;
