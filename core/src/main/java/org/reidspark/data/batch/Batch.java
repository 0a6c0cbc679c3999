package org.reidspark.data.batch;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.Sample;

import java.util.List;

/**
 * One assembled batch.
 *
 * @param epoch   the epoch it belongs to
 * @param index   its position in the epoch
 * @param images  the network input, {@code [N, 3, H, W]} float (NCHW)
 * @param labels  the samples' training labels ({@code -1} for query and gallery samples), length N
 * @param samples the samples, in batch order
 */
public record Batch(int epoch, int index, INDArray images, int[] labels, List<Sample> samples) {
    public Batch {
        samples = List.copyOf(samples);
        if (labels.length != samples.size() || images.size(0) != samples.size()) {
            throw new IllegalArgumentException("batch of " + samples.size() + " samples with " + labels.length
                    + " labels and " + images.size(0) + " images");
        }
    }

    public int size() {
        return labels.length;
    }

    /** The samples' camera ids. */
    public int[] camids() {
        return samples.stream().mapToInt(Sample::camid).toArray();
    }

    /** The samples' clothes classes ({@code -1} where unknown). */
    public int[] clothes() {
        return samples.stream().mapToInt(Sample::clothes).toArray();
    }
}
