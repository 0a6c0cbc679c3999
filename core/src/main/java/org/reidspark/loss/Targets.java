package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link Loss} reads besides the network output: the samples' class labels (absent for unlabeled training,
 * PAUL), named per-sample integer arrays (clothes classes, structure labels; length {@code B}) and named arrays
 * (soft labels {@code [B, K]}, a positive mask, a loss's state such as center loss's centers {@code [K, D]}). A step
 * builds them from its {@link org.reidspark.data.batch.Batch} and its training state and passes them in; a loss
 * keeps no copy of its own. Immutable: {@link #with} returns a new instance (the arrays are shared, not copied).
 *
 * @param labels class index of each of the {@code B} samples, or null when the batch has none
 * @param ints   named per-sample integer arrays
 * @param arrays named arrays
 */
public record Targets(int[] labels, Map<String, int[]> ints, Map<String, INDArray> arrays) {
    public Targets {
        ints = Collections.unmodifiableMap(new LinkedHashMap<>(ints));
        arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
        for (Map.Entry<String, int[]> e : ints.entrySet()) {
            if (labels != null && e.getValue().length != labels.length) {
                throw new IllegalArgumentException("per-sample array \"" + e.getKey() + "\" has " + e.getValue().length
                        + " values for " + labels.length + " labels");
            }
        }
    }

    /** Class labels only. */
    public static Targets of(int[] labels) {
        return new Targets(labels, Map.of(), Map.of());
    }

    /** No labels (unlabeled training). */
    public static Targets unlabeled() {
        return new Targets(null, Map.of(), Map.of());
    }

    /** The class labels; fails when the batch has none. */
    @Override
    public int[] labels() {
        if (labels == null) throw new IllegalArgumentException("this loss needs class labels, but the batch has none (unlabeled training)");
        return labels;
    }

    public boolean hasLabels() {
        return labels != null;
    }

    /** These targets plus a per-sample integer array. */
    public Targets with(String name, int[] values) {
        Map<String, int[]> m = new LinkedHashMap<>(ints);
        m.put(name, values);
        return new Targets(labels, m, arrays);
    }

    /** These targets plus a named array. */
    public Targets with(String name, INDArray value) {
        Map<String, INDArray> m = new LinkedHashMap<>(arrays);
        m.put(name, value);
        return new Targets(labels, ints, m);
    }

    /** The per-sample integer array {@code name}, or an error naming what there is. */
    public int[] ints(String name) {
        int[] v = ints.get(name);
        if (v == null) throw new IllegalArgumentException("no per-sample array \"" + name + "\" in the targets; present: " + ints.keySet());
        return v;
    }

    /** The array {@code name}, or an error naming what there is. */
    public INDArray array(String name) {
        INDArray v = arrays.get(name);
        if (v == null) throw new IllegalArgumentException("no array \"" + name + "\" in the targets; present: " + arrays.keySet());
        return v;
    }

    @Override
    public String toString() {
        return "Targets[labels=" + (labels == null ? "none" : Arrays.toString(labels)) + ", ints=" + ints.keySet()
                + ", arrays=" + arrays.keySet() + "]";
    }
}
