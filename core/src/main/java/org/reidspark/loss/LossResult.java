package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss value and its gradient with respect to the loss's input.
 *
 * @param value    the loss (a mean over the batch)
 * @param gradient {@code dLoss/dInput}, the shape of the input
 */
public record LossResult(double value, INDArray gradient) {
}
