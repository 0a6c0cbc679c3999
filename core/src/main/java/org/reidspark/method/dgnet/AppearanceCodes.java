package org.reidspark.method.dgnet;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Seeds;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The appearance codes {@code a = Ea(x)} {@code [n, 4C]} of a training set's images (DG-Net,
 * https://arxiv.org/abs/1904.07223), by image key, with each image's identity label, and the seeded choice of an
 * appearance donor for a structure image: copy {@code c} of the image with key {@code s} takes the appearance of the
 * image drawn by a generator seeded by ({@code seed}, s, c) alone among the images of other identities, so the plan does
 * not depend on partitioning or order. What the {@code generate} job broadcasts to its tasks.
 */
public final class AppearanceCodes implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long[] keys;
    private final int[] labels;
    private final float[][] codes;

    /** Codes of images {@code keys} (any order; sorted here) with their labels. */
    public AppearanceCodes(long[] keys, int[] labels, float[][] codes) {
        if (keys.length != labels.length || keys.length != codes.length) {
            throw new IllegalArgumentException(keys.length + " keys, " + labels.length + " labels, " + codes.length + " codes");
        }
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
        this.keys = new long[keys.length];
        this.labels = new int[keys.length];
        this.codes = new float[keys.length][];
        for (int i = 0; i < order.length; i++) {
            this.keys[i] = keys[order[i]];
            this.labels[i] = labels[order[i]];
            this.codes[i] = codes[order[i]];
            if (i > 0 && this.keys[i] == this.keys[i - 1]) throw new IllegalArgumentException("key " + this.keys[i] + " twice");
        }
    }

    /**
     * The codes of several parts (a shard's each) as one set, which must hold images of at least 2 identities (a donor
     * is of another identity).
     */
    public static AppearanceCodes merge(java.util.List<AppearanceCodes> parts) {
        int n = parts.stream().mapToInt(AppearanceCodes::size).sum();
        long[] keys = new long[n];
        int[] labels = new int[n];
        float[][] codes = new float[n][];
        int at = 0;
        for (AppearanceCodes p : parts) {
            System.arraycopy(p.keys, 0, keys, at, p.size());
            System.arraycopy(p.labels, 0, labels, at, p.size());
            System.arraycopy(p.codes, 0, codes, at, p.size());
            at += p.size();
        }
        long identities = Arrays.stream(labels).distinct().count();
        if (identities < 2) {
            throw new IllegalArgumentException("cross-identity generation needs images of at least 2 identities; these "
                    + n + " images have " + identities);
        }
        return new AppearanceCodes(keys, labels, codes);
    }

    public int size() {
        return keys.length;
    }

    public long key(int i) {
        return keys[i];
    }

    public int label(int i) {
        return labels[i];
    }

    /** The donor (an index) of copy {@code copy} of structure image {@code structureKey} (label {@code structureLabel}). */
    public int donor(long seed, long structureKey, int structureLabel, int copy) {
        SplittableRandom r = Seeds.random(seed, structureKey, copy);
        while (true) {
            int i = r.nextInt(keys.length);
            if (labels[i] != structureLabel) return i;
        }
    }

    /** The codes of images {@code indices} as {@code [indices.length, 4C]}. */
    public INDArray codes(int[] indices) {
        float[][] rows = new float[indices.length][];
        for (int i = 0; i < indices.length; i++) rows[i] = codes[indices[i]];
        return Nd4j.create(rows);
    }
}
