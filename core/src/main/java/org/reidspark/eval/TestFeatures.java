package org.reidspark.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a method computes for each test image, as named float matrices with one row per image: always
 * {@link #EMBEDDING} (the holistic vector, {@code [N, D]}), and whatever else the method's {@link Matching} reads
 * (DCR: {@link #PARTS} {@code [N, P * D]}, each part's D values contiguous and L2-normalized, and
 * {@link #VISIBILITY} {@code [N, P]}). The evaluation engine, the evaluate job and the extract job (one column per
 * array) take it as it is.
 *
 * @param source what they are ("query", a file name), for error messages
 * @param arrays the matrices by name, all with the same number of rows, {@link #EMBEDDING} first
 */
public record TestFeatures(String source, Map<String, Embeddings> arrays) {
    /** The holistic embedding every method provides. */
    public static final String EMBEDDING = "embedding";
    /** Part features, {@code [N, P * D]}. */
    public static final String PARTS = "parts";
    /** Part visibility in [0, 1], {@code [N, P]}. */
    public static final String VISIBILITY = "visibility";

    public TestFeatures {
        if (!arrays.containsKey(EMBEDDING)) {
            throw new IllegalArgumentException(source + ": test features need \"" + EMBEDDING + "\"; got " + arrays.keySet());
        }
        Map<String, Embeddings> ordered = new LinkedHashMap<>();
        ordered.put(EMBEDDING, arrays.get(EMBEDDING));
        ordered.putAll(arrays);
        int rows = ordered.get(EMBEDDING).rows();
        for (Map.Entry<String, Embeddings> e : ordered.entrySet()) {
            if (e.getValue().rows() != rows) {
                throw new IllegalArgumentException(source + ": \"" + e.getKey() + "\" has " + e.getValue().rows()
                        + " rows, \"" + EMBEDDING + "\" has " + rows);
            }
        }
        arrays = Collections.unmodifiableMap(ordered);
    }

    /** One embedding per image. */
    public static TestFeatures of(Embeddings embedding) {
        return new TestFeatures(embedding.source(), Map.of(EMBEDDING, embedding));
    }

    /** From rows per array name ({@code rows.get(name)[i]} is image i's row). */
    public static TestFeatures of(String source, Map<String, float[][]> rows) {
        Map<String, Embeddings> m = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> e : rows.entrySet()) m.put(e.getKey(), Embeddings.of(source + " " + e.getKey(), e.getValue()));
        return new TestFeatures(source, m);
    }

    /** Images (rows). */
    public int rows() {
        return arrays.get(EMBEDDING).rows();
    }

    /** The array names, {@link #EMBEDDING} first. */
    public List<String> names() {
        return new ArrayList<>(arrays.keySet());
    }

    /** The holistic embedding. */
    public Embeddings embedding() {
        return arrays.get(EMBEDDING);
    }

    /** The array {@code name}, or an error naming the arrays there are. */
    public Embeddings get(String name) {
        Embeddings e = arrays.get(name);
        if (e == null) throw new IllegalArgumentException(source + " has no test feature \"" + name + "\"; it has " + arrays.keySet());
        return e;
    }

    /** The rows {@code indices} of every array, in that order, as features of {@code source}. */
    public TestFeatures rows(String source, int[] indices) {
        Map<String, Embeddings> m = new LinkedHashMap<>();
        for (Map.Entry<String, Embeddings> e : arrays.entrySet()) {
            m.put(e.getKey(), Embeddings.of(source + " " + e.getKey(), e.getValue().matrix().getRows(indices)));
        }
        return new TestFeatures(source, m);
    }

    /** {@code a} on top of {@code b} (queries then gallery, for re-ranking); both must have the same arrays. */
    public static TestFeatures concat(String source, TestFeatures a, TestFeatures b) {
        if (!a.arrays.keySet().equals(b.arrays.keySet())) {
            throw new IllegalArgumentException(a.source + " has test features " + a.arrays.keySet() + " but " + b.source
                    + " has " + b.arrays.keySet());
        }
        Map<String, Embeddings> m = new LinkedHashMap<>();
        for (String name : a.arrays.keySet()) m.put(name, Embeddings.concat(source + " " + name, a.get(name), b.get(name)));
        return new TestFeatures(source, m);
    }
}
