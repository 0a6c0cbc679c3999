package org.reidspark.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * How a network's DL4J configuration is built apart from its layers: the seed of its weight initialization, the
 * floating-point type of its parameters and activations, the optimizer its own updater runs
 * ({@link ExternalBackprop#update}), and L2 weight decay (added to the gradient before the optimizer, like
 * PyTorch's {@code Adam(weight_decay=...)} that BoT uses).
 *
 * @param seed        seed of the weight initialization
 * @param dataType    FLOAT for training, DOUBLE for gradient checks
 * @param updater     the optimizer (learning-rate schedules go inside it, as DL4J {@code ISchedule}s)
 * @param weightDecay L2 coefficient on convolution and dense weights (0 = none)
 */
public record NetworkOptions(long seed, DataType dataType, IUpdater updater, double weightDecay) {
    public NetworkOptions {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE && dataType != DataType.HALF) {
            throw new IllegalArgumentException("network data type must be FLOAT, DOUBLE or HALF, got " + dataType);
        }
        if (updater == null) throw new IllegalArgumentException("updater must not be null");
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }

    /** BoT's optimizer: Adam, learning rate 3.5e-4, weight decay 5e-4, in FLOAT. */
    public static NetworkOptions bot(long seed) {
        return new NetworkOptions(seed, DataType.FLOAT, new Adam(3.5e-4), 5e-4);
    }

    public NetworkOptions withDataType(DataType type) {
        return new NetworkOptions(seed, type, updater, weightDecay);
    }

    public NetworkOptions withUpdater(IUpdater u) {
        return new NetworkOptions(seed, dataType, u, weightDecay);
    }
}
