/**
 * Heads (feature map -> embedding and logits): {@link org.reidspark.model.head.BNNeck} of BoT, and the
 * {@link org.reidspark.model.head.ZeroConstraint} that holds its BatchNorm shift at zero.
 */
package org.reidspark.model.head;
