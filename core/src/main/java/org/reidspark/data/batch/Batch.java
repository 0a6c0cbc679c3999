package org.reidspark.data.batch;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.Sample;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One assembled batch of {@code N} samples.
 *
 * @param epoch   the epoch it belongs to
 * @param index   its position in the epoch
 * @param views   network inputs by view name, each {@code [N, 3, H, W]} float (NCHW); always {@link #IMAGES}
 * @param labels  the samples' training labels ({@code -1} for query, gallery and unlabeled samples), length N
 * @param keys    the samples' stable keys (index in the dataset's manifest; memory banks are keyed by it), length N
 * @param samples the samples, in batch order
 * @param fields  extra per-sample arrays by name ({@link SampleField}), each {@code [N]} or {@code [N, n]}
 */
public record Batch(int epoch, int index, Map<String, INDArray> views, int[] labels, long[] keys, List<Sample> samples,
                    Map<String, INDArray> fields) {
    /** The name of the main view (what a single-view method trains on). */
    public static final String IMAGES = "images";

    public Batch {
        samples = List.copyOf(samples);
        views = Collections.unmodifiableMap(new LinkedHashMap<>(views));
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        int n = samples.size();
        if (!views.containsKey(IMAGES)) throw new IllegalArgumentException("batch without the view \"" + IMAGES + "\": " + views.keySet());
        if (labels.length != n || keys.length != n) {
            throw new IllegalArgumentException("batch of " + n + " samples with " + labels.length + " labels and "
                    + keys.length + " keys");
        }
        for (Map.Entry<String, INDArray> e : views.entrySet()) {
            if (e.getValue().size(0) != n) {
                throw new IllegalArgumentException("batch of " + n + " samples with " + e.getValue().size(0) + " images in view " + e.getKey());
            }
        }
        for (Map.Entry<String, INDArray> e : fields.entrySet()) {
            if (e.getValue().size(0) != n) {
                throw new IllegalArgumentException("batch of " + n + " samples with " + e.getValue().size(0) + " rows in field " + e.getKey());
            }
        }
    }

    /** A batch with one view and no extra fields. */
    public static Batch of(int epoch, int index, INDArray images, int[] labels, long[] keys, List<Sample> samples) {
        return new Batch(epoch, index, Map.of(IMAGES, images), labels, keys, samples, Map.of());
    }

    public int size() {
        return labels.length;
    }

    /** The main view, {@code [N, 3, H, W]}. */
    public INDArray images() {
        return views.get(IMAGES);
    }

    /** The view {@code name}, or an error naming the views there are. */
    public INDArray view(String name) {
        INDArray v = views.get(name);
        if (v == null) throw new IllegalArgumentException("batch has no view \"" + name + "\"; views: " + views.keySet());
        return v;
    }

    /** The extra per-sample array {@code name}, or an error naming the fields there are. */
    public INDArray field(String name) {
        INDArray f = fields.get(name);
        if (f == null) throw new IllegalArgumentException("batch has no field \"" + name + "\"; fields: " + fields.keySet()
                + " (a method lists the fields it needs in its TrainingInputs)");
        return f;
    }

    /** The {@code [N]} field {@code name} as ints. */
    public int[] ints(String name) {
        return field(name).toIntVector();
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
