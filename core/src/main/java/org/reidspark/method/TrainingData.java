package org.reidspark.method;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What a method learns from the training data before building its networks and state: the numbers of identity,
 * clothes and camera classes, the stable keys of the training images (a memory bank has one row per key), and, where
 * the dataset has clothes labels, each training image's clothes class and each clothes class's identity (CAL's
 * clothes classifier and its positive mask). Computed on the driver from the manifest and shipped to the executors
 * with the method.
 *
 * <p>Clothes classes are those of the <em>training</em> split only, relabelled {@code 0..clothesClasses-1} in
 * ascending order of the dataset's clothes ids (the catalogs number training classes first, so this is usually the
 * identity; the test split's classes are never counted: a classifier over them would have outputs no training image
 * can teach).
 *
 * <p>An unlabelled training split ({@link Sample#unlabeled}, {@code reid.data.train-labels = none}) has 0 identities
 * and no clothes classes: only a method that forms its batches without labels can train on it
 * ({@link #requireLabelsIfUsed}).
 *
 * @param identities        training identity classes (relabelled pids); 0 for an unlabelled training split
 * @param clothesClasses    clothes classes of the training split (0 when the dataset has none)
 * @param cameras           camera classes of the training split (largest camera id + 1)
 * @param trainKeys         the training images' keys (index in the manifest), ascending
 * @param trainClothes      each training image's clothes class (aligned with {@code trainKeys}); empty when
 *                          {@code clothesClasses} is 0
 * @param clothesIdentities each clothes class's identity class, length {@code clothesClasses}
 */
public record TrainingData(int identities, int clothesClasses, int cameras, long[] trainKeys, int[] trainClothes,
                           int[] clothesIdentities) implements Serializable {
    public TrainingData {
        if (identities < 2 && identities != 0) {
            throw new IllegalArgumentException("training needs at least 2 identities (or 0: unlabelled), got " + identities);
        }
        if (clothesClasses < 0) throw new IllegalArgumentException("clothes classes must be >= 0, got " + clothesClasses);
        if (cameras < 1) throw new IllegalArgumentException("training needs at least one camera, got " + cameras);
        trainKeys = trainKeys.clone();
        trainClothes = trainClothes.clone();
        clothesIdentities = clothesIdentities.clone();
        for (int i = 1; i < trainKeys.length; i++) {
            if (trainKeys[i] <= trainKeys[i - 1]) throw new IllegalArgumentException("training keys must be ascending and distinct");
        }
        if (clothesIdentities.length != clothesClasses) {
            throw new IllegalArgumentException(clothesClasses + " clothes classes but " + clothesIdentities.length + " clothes identities");
        }
        if (clothesClasses > 0 && trainClothes.length != trainKeys.length) {
            throw new IllegalArgumentException(trainKeys.length + " training images but " + trainClothes.length + " clothes classes of them");
        }
        if (clothesClasses == 0 && trainClothes.length != 0) throw new IllegalArgumentException("clothes of images without clothes classes");
        for (int c : trainClothes) {
            if (c < 0 || c >= clothesClasses) throw new IllegalArgumentException("clothes class " + c + " outside [0, " + clothesClasses + ")");
        }
        for (int id : clothesIdentities) {
            if (id < 0 || id >= identities) throw new IllegalArgumentException("clothes identity " + id + " outside [0, " + identities + ")");
        }
    }

    /** Without clothes classes. */
    public TrainingData(int identities, int cameras, long[] trainKeys) {
        this(identities, 0, cameras, trainKeys, new int[0], new int[0]);
    }

    /**
     * Without clothes classes ({@code clothesClasses} must be 0: per-image clothes come only from a manifest,
     * {@link #of}).
     */
    public TrainingData(int identities, int clothesClasses, int cameras, long[] trainKeys) {
        this(identities, requireNone(clothesClasses), cameras, trainKeys, new int[0], new int[0]);
    }

    /** Class counts only (one camera, no keys, no clothes): for methods and tests that need neither. */
    public TrainingData(int identities, int clothesClasses) {
        this(identities, clothesClasses, 1, new long[0]);
    }

    private static int requireNone(int clothesClasses) {
        if (clothesClasses != 0) {
            throw new IllegalArgumentException("clothes classes without each image's clothes: build TrainingData.of(manifest)");
        }
        return 0;
    }

    /**
     * From a manifest's training split. Its clothes classes are relabelled (see the class comment); a clothes id worn by
     * two training identities, or training images of which only some have clothes ids, fail with the images named.
     */
    public static TrainingData of(Manifest manifest) {
        List<Sample> samples = manifest.samples();
        long[] keys = new long[samples.size()];
        List<Sample> train = new ArrayList<>();
        int cameras = 0;
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (s.split() != Split.TRAIN) continue;
            keys[train.size()] = i;
            train.add(s);
            cameras = Math.max(cameras, s.camid() + 1);
        }
        keys = Arrays.copyOf(keys, train.size());
        if (train.isEmpty()) throw new IllegalArgumentException("dataset " + manifest.dataset() + " has no training images");
        int identities = manifest.trainIdentities();
        if (manifest.trainLabeled() && identities < 2) {
            throw new IllegalArgumentException("training needs at least 2 identities, dataset " + manifest.dataset()
                    + " has " + identities);
        }
        TreeMap<Integer, Sample> wearer = new TreeMap<>();
        Sample unlabelled = null;
        for (Sample s : train) {
            if (s.clothes() < 0) {
                unlabelled = s;
                continue;
            }
            Sample first = wearer.putIfAbsent(s.clothes(), s);
            if (first != null && first.label() != s.label()) {
                throw new IllegalArgumentException("clothes id " + s.clothes() + " of dataset " + manifest.dataset()
                        + " is worn by two training identities (pid " + first.pid() + ": " + first.uri() + "; pid " + s.pid()
                        + ": " + s.uri() + "); clothes classes must be per person and outfit");
            }
        }
        if (wearer.isEmpty()) return new TrainingData(identities, Math.max(1, cameras), keys);
        if (unlabelled != null) {
            throw new IllegalArgumentException("dataset " + manifest.dataset() + ": some training images have clothes ids and "
                    + "others none, e.g. " + unlabelled.uri() + " (pid " + unlabelled.pid() + ")");
        }
        int[] classOf = new int[wearer.lastKey() + 1];
        int[] clothesIdentities = new int[wearer.size()];
        int c = 0;
        for (var e : wearer.entrySet()) {
            classOf[e.getKey()] = c;
            clothesIdentities[c++] = e.getValue().label();
        }
        int[] trainClothes = new int[train.size()];
        for (int i = 0; i < trainClothes.length; i++) trainClothes[i] = classOf[train.get(i).clothes()];
        return new TrainingData(identities, clothesIdentities.length, Math.max(1, cameras), keys, trainClothes, clothesIdentities);
    }

    /** Whether the training images carry their persons: false for an unlabelled training split (0 identities). */
    public boolean labeled() {
        return identities > 0;
    }

    /**
     * Fails up front, before any network is built or data loaded, when {@code method} forms its batches by identity
     * ({@link org.reidspark.data.batch.TrainingInputs.Sampling#usesLabels}) and this training split is unlabelled: the
     * error names the method and the settings that would make the two fit.
     *
     * @throws org.reidspark.config.ConfigError when they do not fit
     */
    public void requireLabelsIfUsed(Method method) {
        if (labeled() || !method.trainingInputs().sampling().usesLabels()) return;
        throw new org.reidspark.config.ConfigError("method " + method.name() + " forms its training batches by identity ("
                + method.trainingInputs().sampling() + ") but the training split is unlabelled (" + trainKeys.length
                + " images without persons): read the dataset with its labels (reid.data.train-labels = read, and a"
                + " pid on every train row of a csv manifest), or train a method that needs none (reid.method = paul with"
                + " reid.paul.mode = unsupervised)");
    }

    /** Whether the training images have clothes classes. */
    public boolean hasClothes() {
        return clothesClasses > 0;
    }

    /**
     * The clothes classes of the training images with these keys (a batch's {@code keys()}).
     *
     * @throws IllegalArgumentException when the data has no clothes classes or a key is not a training image's
     */
    public int[] clothesOf(long[] keys) {
        if (!hasClothes()) throw new IllegalArgumentException("the training data has no clothes classes");
        int[] out = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            int at = Arrays.binarySearch(trainKeys, keys[i]);
            if (at < 0) throw new IllegalArgumentException("key " + keys[i] + " is not a training image's");
            out[i] = trainClothes[at];
        }
        return out;
    }

    /**
     * CAL's positive mask {@code [B, clothesClasses]}: 1 where clothes class c belongs to sample i's identity
     * ({@code labels[i]}), else 0 (https://arxiv.org/abs/2204.06890, the official code's {@code pid2clothes[pids]}).
     */
    public INDArray positiveMask(int[] labels, DataType type) {
        if (!hasClothes()) throw new IllegalArgumentException("the training data has no clothes classes");
        INDArray mask = Nd4j.zeros(type, labels.length, clothesClasses);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= identities) throw new IllegalArgumentException("label " + labels[i] + " outside [0, " + identities + ")");
            for (int c = 0; c < clothesClasses; c++) if (clothesIdentities[c] == labels[i]) mask.putScalar(i, c, 1.0);
        }
        return mask;
    }

    /**
     * A control for clothes labels: the same data with each identity's training images' clothes classes permuted at
     * random among that identity's images (seeded). Every identity keeps its clothes classes and their sizes, so the
     * positive mask is unchanged, but a class no longer stands for an outfit.
     */
    public TrainingData withClothesShuffledWithinIdentities(long seed) {
        if (!hasClothes()) throw new IllegalArgumentException("the training data has no clothes classes to shuffle");
        int[] shuffled = trainClothes.clone();
        SplittableRandom random = new SplittableRandom(seed);
        for (int id = 0; id < identities; id++) {
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < shuffled.length; i++) if (clothesIdentities[trainClothes[i]] == id) at.add(i);
            for (int j = at.size() - 1; j > 0; j--) {
                int k = random.nextInt(j + 1);
                int a = at.get(j);
                int b = at.get(k);
                int t = shuffled[a];
                shuffled[a] = shuffled[b];
                shuffled[b] = t;
            }
        }
        return new TrainingData(identities, clothesClasses, cameras, trainKeys, shuffled, clothesIdentities);
    }

    @Override
    public long[] trainKeys() {
        return trainKeys.clone();
    }

    @Override
    public int[] trainClothes() {
        return trainClothes.clone();
    }

    @Override
    public int[] clothesIdentities() {
        return clothesIdentities.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingData t && identities == t.identities && clothesClasses == t.clothesClasses
                && cameras == t.cameras && Arrays.equals(trainKeys, t.trainKeys) && Arrays.equals(trainClothes, t.trainClothes)
                && Arrays.equals(clothesIdentities, t.clothesIdentities);
    }

    @Override
    public int hashCode() {
        return (((identities * 31 + clothesClasses) * 31 + cameras) * 31 + Arrays.hashCode(trainKeys)) * 31
                + Arrays.hashCode(trainClothes);
    }

    @Override
    public String toString() {
        return "TrainingData[identities=" + identities + ", clothesClasses=" + clothesClasses + ", cameras=" + cameras
                + ", trainImages=" + trainKeys.length + "]";
    }
}
