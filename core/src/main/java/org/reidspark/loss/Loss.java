package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss on one network output, computed outside the network: it returns its value and {@code dLoss/dInput}, which
 * {@link org.reidspark.model.ExternalBackprop} feeds back into the graph. What it reads besides the output (class
 * labels, other per-sample arrays, its own state) comes in as {@link Targets}. Losses are means over the batch.
 */
public interface Loss {
    /**
     * @param input   the network output the loss reads, {@code [B, n]}
     * @param targets labels and named arrays the loss reads
     */
    LossResult compute(INDArray input, Targets targets);

    /** {@link #compute(INDArray, Targets)} with class labels only, each in {@code [0, numClasses)}. */
    default LossResult compute(INDArray input, int[] labels) {
        return compute(input, Targets.of(labels));
    }

    /** Fails unless {@code input} is {@code [B, n]} with {@code B = labels.length}. */
    static void checkBatch(String loss, INDArray input, int[] labels) {
        if (input.rank() != 2) {
            throw new IllegalArgumentException(loss + " expects a [batch, n] input, got shape " + java.util.Arrays.toString(input.shape()));
        }
        if (input.size(0) != labels.length) {
            throw new IllegalArgumentException(loss + ": input has " + input.size(0) + " rows but there are " + labels.length + " labels");
        }
        if (labels.length == 0) throw new IllegalArgumentException(loss + ": empty batch");
    }
}
