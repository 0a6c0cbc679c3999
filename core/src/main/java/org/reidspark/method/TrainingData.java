package org.reidspark.method;

import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What a method learns from the training data before building its networks and state: the numbers of identity,
 * clothes and camera classes, and the stable keys of the training images (a memory bank has one row per key).
 * Computed on the driver from the manifest and shipped to the executors with the method.
 *
 * @param identities     training identity classes (relabelled pids)
 * @param clothesClasses clothes classes over the dataset (0 when none)
 * @param cameras        camera classes of the training split (largest camera id + 1)
 * @param trainKeys      the training images' keys (index in the manifest), ascending
 */
public record TrainingData(int identities, int clothesClasses, int cameras, long[] trainKeys) implements Serializable {
    public TrainingData {
        if (identities < 2) throw new IllegalArgumentException("training needs at least 2 identities, got " + identities);
        if (clothesClasses < 0) throw new IllegalArgumentException("clothes classes must be >= 0, got " + clothesClasses);
        if (cameras < 1) throw new IllegalArgumentException("training needs at least one camera, got " + cameras);
        trainKeys = trainKeys.clone();
        for (int i = 1; i < trainKeys.length; i++) {
            if (trainKeys[i] <= trainKeys[i - 1]) throw new IllegalArgumentException("training keys must be ascending and distinct");
        }
    }

    /** Class counts only (one camera, no keys): for methods and tests that need neither. */
    public TrainingData(int identities, int clothesClasses) {
        this(identities, clothesClasses, 1, new long[0]);
    }

    public static TrainingData of(Manifest manifest) {
        List<Sample> samples = manifest.samples();
        long[] keys = new long[samples.size()];
        int n = 0;
        int cameras = 0;
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (s.split() != Split.TRAIN) continue;
            keys[n++] = i;
            cameras = Math.max(cameras, s.camid() + 1);
        }
        return new TrainingData(manifest.trainIdentities(), manifest.clothesClasses(), Math.max(1, cameras), Arrays.copyOf(keys, n));
    }

    @Override
    public long[] trainKeys() {
        return trainKeys.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingData t && identities == t.identities && clothesClasses == t.clothesClasses
                && cameras == t.cameras && Arrays.equals(trainKeys, t.trainKeys);
    }

    @Override
    public int hashCode() {
        return ((identities * 31 + clothesClasses) * 31 + cameras) * 31 + Arrays.hashCode(trainKeys);
    }

    @Override
    public String toString() {
        return "TrainingData[identities=" + identities + ", clothesClasses=" + clothesClasses + ", cameras=" + cameras
                + ", trainImages=" + trainKeys.length + "]";
    }
}
