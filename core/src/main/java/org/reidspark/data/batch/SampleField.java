package org.reidspark.data.batch;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Sample;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A per-sample array a method asks its training batches to carry beside the images and class labels (which every
 * {@link Batch} has): a sample's camera or clothes class, or values a method looks up by the sample's stable key
 * (soft labels, structure labels from generated data). {@link Batch#fields()} holds them by {@link #name()}.
 */
public interface SampleField {
    /** The name the batch keys the array by. */
    String name();

    /**
     * The values of a batch's samples, in batch order: {@code [B]} or {@code [B, n]}.
     *
     * @param samples the batch's samples
     * @param keys    their stable keys (index in the dataset's manifest)
     */
    INDArray values(List<Sample> samples, long[] keys);

    /** Camera ids ({@code [B]} int32). */
    SampleField CAMERA = ofInt("camera", Sample::camid);
    /** Clothes classes ({@code [B]} int32; -1 where unknown). */
    SampleField CLOTHES = ofInt("clothes", Sample::clothes);
    /** Dataset person ids ({@code [B]} int32). */
    SampleField PERSON = ofInt("person", Sample::pid);

    /** A {@code [B]} int32 field computed from each sample. */
    static SampleField ofInt(String name, ToIntFunction<Sample> value) {
        return new SampleField() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public INDArray values(List<Sample> samples, long[] keys) {
                int[] v = new int[samples.size()];
                for (int i = 0; i < v.length; i++) v[i] = value.applyAsInt(samples.get(i));
                return Nd4j.createFromArray(v);
            }

            @Override
            public String toString() {
                return "field " + name;
            }
        };
    }
}
