package org.reidspark.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One training batch.
 *
 * @param images  [N, 3, H, W] normalized images (NCHW)
 * @param labels  training class per image (relabelled pid), length N
 * @param cameras camera id per image, length N
 * @param clothes clothes class per image, or -1 (length N)
 * @param keys    a stable key per image (its index in the manifest), for keyed state such as memory banks
 * @param extra   method-specific inputs by name (e.g. PAUL's surrogate images, [N, 3, H, W]); may be empty
 */
public record Batch(INDArray images, int[] labels, int[] cameras, int[] clothes, long[] keys, Map<String, INDArray> extra) {
    public Batch {
        long n = images.size(0);
        if (labels.length != n || cameras.length != n || clothes.length != n || keys.length != n) {
            throw new IllegalArgumentException("batch of " + n + " images with " + labels.length + " labels, "
                    + cameras.length + " cameras, " + clothes.length + " clothes, " + keys.length + " keys");
        }
        extra = Map.copyOf(extra);
    }

    public int size() {
        return labels.length;
    }
}
