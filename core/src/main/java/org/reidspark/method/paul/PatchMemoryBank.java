package org.reidspark.method.paul;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.train.KeyedState;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * PAUL's patch memory bank (https://arxiv.org/abs/1904.01308, CVPR 2019, section 3.2, the memory {@code V} of
 * PEDAL): for every training image, {@code M} patch features of dimension {@code d}, found by the image's sample key
 * (the dataset manifest's index, {@link org.reidspark.data.batch.Batch#keys()}; the official code keys by the image's
 * path). Each key owns a dense row {@code 0..size-1} in the order keys were first seen; {@link org.reidspark.loss.PedalLoss}
 * reads the bank as {@link #entries()} and the batch's rows.
 *
 * <p><b>Update, as the official code</b> ({@code src/loss/smooth.py}, {@code PatchMemory.get_soft_label}, called by
 * {@code src/unsupervised/unsupervised_train.py} with {@code --mm 0.1}): a key seen for the first time is added with
 * its features; a known key's entry becomes {@code (1 - m) * old + m * feature} with momentum {@code m = 0.1}
 * ({@link #OFFICIAL_MOMENTUM}). The entry is <em>not</em> re-normalised afterwards: the network L2-normalises each
 * patch feature ({@code PatchNetUn.forward}: {@code renorm(2, 0, 1e-5).mul(1e5)}), so entries start as unit vectors
 * and each update is a convex combination of unit vectors (norm at most 1). The bank is filled by one embedding pass
 * over the training set before training ({@code unsupervised_train.py}, "initialize the centers"; here {@link #add}
 * or {@link #update}), and in training it is updated with the batch's features (detached) <em>before</em> PEDAL is
 * computed; PEDAL then leaves each sample's own entry out. Only the first view of each image (the original, not its
 * augmented surrogate) enters the bank: the code takes {@code feat[:, ::num, :]}.
 *
 * <p>The same class with {@code M = 1} is IPFL's image-level memory ({@code smooth.py}, {@code SmoothingForImage}:
 * per image the mean of its views' embeddings, same momentum, added on first sight; see
 * {@link org.reidspark.loss.IpflLoss}).
 *
 * <p><b>Merging copies</b> (workers train on copies of one broadcast bank): every entry counts the copies that changed
 * it since the last {@link #clearTouched()} ({@link #touches(int)}: 0 or 1 on a worker). {@link #merge} combines two
 * banks by key: an entry changed in both becomes the mean of the two weighted by their touch counts (the counts add
 * up), an entry changed in one only takes that one's value, an entry changed in neither keeps the common value, and a
 * key known to one bank only is taken from it. Weighting by the counts makes the merge commutative and associative:
 * merging workers pairwise in any order gives the mean over the workers that changed the entry, the rule
 * {@link org.reidspark.train.MergeRule#BY_KEY} applies to {@link KeyedState} ({@link #toKeyedState()}).
 *
 * <p>Shapes: features of a batch {@code [B, M*d]} (patch {@code p} in columns {@code [p*d, (p+1)*d)}, the PatchNet
 * descriptor's layout); {@link #entries()} {@code [M, size, d]}; {@link #entry(int)} {@code [M, d]};
 * {@link #rows(int[])} {@code [n, M*d]}.
 */
public final class PatchMemoryBank {
    /** The official memory momentum ({@code unsupervised_train.py}, {@code --mm}, default 0.1). */
    public static final double OFFICIAL_MOMENTUM = 0.1;
    private static final int INITIAL_CAPACITY = 16;

    private final int patches;
    private final int dim;
    private final double momentum;
    private final DataType dataType;
    private INDArray storage; // [patches, capacity, dim], c order, never a view
    private int capacity;
    private long[] keys;
    private int[] touches;
    private int size;
    private final Map<Long, Integer> rowOf = new HashMap<>();

    /**
     * @param patches  M, patches per image (PAUL: 6)
     * @param dim      d, dimension of a patch feature (PAUL: 256)
     * @param momentum m in {@code (1 - m) * old + m * feature}, in {@code [0, 1]} ({@link #OFFICIAL_MOMENTUM})
     * @param dataType type of the stored entries (FLOAT in training, DOUBLE in gradient checks)
     */
    public PatchMemoryBank(int patches, int dim, double momentum, DataType dataType) {
        if (patches < 1 || dim < 1) throw new IllegalArgumentException("a patch memory bank needs patches >= 1 and dim >= 1, got " + patches + ", " + dim);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("memory momentum must be in [0, 1], got " + momentum);
        if (!dataType.isFPType()) throw new IllegalArgumentException("a patch memory bank stores floating-point entries, got " + dataType);
        this.patches = patches;
        this.dim = dim;
        this.momentum = momentum;
        this.dataType = dataType;
        this.capacity = INITIAL_CAPACITY;
        this.storage = Nd4j.zeros(dataType, patches, INITIAL_CAPACITY, dim);
        this.keys = new long[INITIAL_CAPACITY];
        this.touches = new int[INITIAL_CAPACITY];
    }

    public int patches() {
        return patches;
    }

    public int dim() {
        return dim;
    }

    public double momentum() {
        return momentum;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Number of entries (images) in the bank. */
    public int size() {
        return size;
    }

    /** The row of {@code key}, or -1 when the bank has no entry for it. */
    public int row(long key) {
        Integer r = rowOf.get(key);
        return r == null ? -1 : r;
    }

    /** The rows of {@code keys}; fails naming the first key the bank does not hold. */
    public int[] rows(long[] keys) {
        int[] r = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            r[i] = row(keys[i]);
            if (r[i] < 0) throw new IllegalArgumentException("the patch memory bank has no entry for key " + keys[i] + " (sample " + i + ")");
        }
        return r;
    }

    /** The key of {@code row}. */
    public long key(int row) {
        checkRow(row);
        return keys[row];
    }

    /** All keys, in row order. */
    public long[] keys() {
        return Arrays.copyOf(keys, size);
    }

    /**
     * Adds new entries (the initialising embedding pass): entry of {@code keys[i]} = row {@code i} of
     * {@code features}. Fails when a key is already in the bank or repeats.
     *
     * @param features {@code [B, M*d]}
     * @return the rows of the keys
     */
    public int[] add(long[] keys, INDArray features) {
        checkFeatures(keys, features);
        checkDistinct(keys);
        for (int i = 0; i < keys.length; i++) {
            if (rowOf.containsKey(keys[i])) throw new IllegalArgumentException("key " + keys[i] + " (sample " + i + ") is already in the patch memory bank");
        }
        double[][] f = features.castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] r = new int[keys.length];
        for (int i = 0; i < keys.length; i++) r[i] = append(keys[i], f[i], 1);
        return r;
    }

    /**
     * The official update ({@code PatchMemory.get_soft_label}), sample by sample in batch order: a new key is added
     * with its features; a known key's entry becomes {@code (1 - m) * old + m * feature}, not re-normalised. Marks
     * the entries touched. A key repeated in the batch is updated once per occurrence, in order, as the official
     * loop does.
     *
     * @param features {@code [B, M*d]}, the batch's patch features (copied; no gradient flows to the bank)
     * @return the rows of the keys, for {@link org.reidspark.loss.PedalLoss#BANK_ROW}
     */
    public int[] update(long[] keys, INDArray features) {
        checkFeatures(keys, features);
        double[][] f = features.castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] r = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            int row = row(keys[i]);
            if (row < 0) {
                r[i] = append(keys[i], f[i], 1);
            } else {
                double[] e = read(row);
                for (int j = 0; j < e.length; j++) e[j] = (1 - momentum) * e[j] + momentum * f[i][j];
                write(row, e);
                touches[row] = Math.max(touches[row], 1);
                r[i] = row;
            }
        }
        return r;
    }

    /**
     * The stored entries {@code [M, size, d]}: the bank's own storage (no copy; do not write to it), valid until the
     * next {@link #add}/{@link #update} of a new key. After new keys the first call compacts the storage to exactly
     * {@code size} entries (one copy); later calls cost nothing. Fails on an empty bank.
     */
    public INDArray entries() {
        if (size == 0) throw new IllegalStateException("the patch memory bank is empty");
        // A view [M, size, d] of a larger [M, capacity, d] would do, but ND4J 1.0.0-M2.1 returns an array without data
        // for a patch slice (get(point(p), all(), all())) of such a view once p * capacity >= M * size (seen with
        // 12936 entries in a 16384 capacity): PEDAL slices patches, so it gets an array that is not a view.
        if (capacity != size) resize(size);
        return storage;
    }

    /** A copy of the entry at {@code row}, {@code [M, d]}. */
    public INDArray entry(int row) {
        checkRow(row);
        return Nd4j.createFromArray(read(row)).reshape(patches, dim).castTo(dataType);
    }

    /** Copies of the entries at {@code rows}, flattened as features are, {@code [rows.length, M*d]}. */
    public INDArray rows(int[] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            checkRow(rows[i]);
            out[i] = read(rows[i]);
        }
        return Nd4j.createFromArray(out).reshape(rows.length, (long) patches * dim).castTo(dataType);
    }

    /** How many copies changed the entry at {@code row} since the last {@link #clearTouched()} (0 or 1 on one worker). */
    public int touches(int row) {
        checkRow(row);
        return touches[row];
    }

    /** Forgets which entries were changed (done when a merged bank is broadcast to the workers). */
    public void clearTouched() {
        Arrays.fill(touches, 0);
    }

    /** A deep copy. */
    public PatchMemoryBank copy() {
        PatchMemoryBank c = new PatchMemoryBank(patches, dim, momentum, dataType);
        c.storage = storage.dup('c');
        c.capacity = capacity;
        c.keys = keys.clone();
        c.touches = touches.clone();
        c.size = size;
        c.rowOf.putAll(rowOf);
        return c;
    }

    /**
     * Two copies of a bank combined by key (see the class comment): changed in both, the touch-weighted mean; changed
     * in one, that one; changed in neither, the common value (a difference there means the banks do not come from one
     * broadcast, and fails); a key only one bank holds is taken from it. The result has {@code a}'s rows first, then
     * {@code b}'s new keys in {@code b}'s order; {@code a} and {@code b} are unchanged.
     */
    public static PatchMemoryBank merge(PatchMemoryBank a, PatchMemoryBank b) {
        if (a.patches != b.patches || a.dim != b.dim) {
            throw new IllegalArgumentException("cannot merge patch memory banks of " + a.patches + "x" + a.dim + " and "
                    + b.patches + "x" + b.dim + " (patches x dim)");
        }
        if (a.momentum != b.momentum) throw new IllegalArgumentException("cannot merge banks with momentum " + a.momentum + " and " + b.momentum);
        PatchMemoryBank m = a.copy();
        for (int j = 0; j < b.size; j++) {
            long key = b.keys[j];
            double[] vb = b.read(j);
            int i = m.row(key);
            if (i < 0) {
                m.append(key, vb, b.touches[j]);
                continue;
            }
            int ta = m.touches[i];
            int tb = b.touches[j];
            if (ta == 0 && tb == 0) {
                if (!Arrays.equals(m.read(i), vb)) {
                    throw new IllegalStateException("entry of key " + key + " is unchanged in both banks but differs between them:"
                            + " the banks do not come from one broadcast");
                }
            } else if (ta == 0) {
                m.write(i, vb);
                m.touches[i] = tb;
            } else if (tb > 0) {
                double[] va = m.read(i);
                for (int t = 0; t < va.length; t++) va[t] = (ta * va[t] + tb * vb[t]) / (ta + tb);
                m.write(i, va);
                m.touches[i] = ta + tb;
            }
        }
        return m;
    }

    /**
     * The bank as the trainer's keyed state: keys sorted, rows {@code [size, M*d]} (the entries flattened as
     * features are), an entry's row marked touched when {@link #touches(int)} is above 0.
     */
    public KeyedState toKeyedState() {
        long[] sorted = keys();
        Arrays.sort(sorted);
        KeyedState s = new KeyedState(sorted, rows(rows(sorted)));
        for (int i = 0; i < sorted.length; i++) {
            if (touches[row(sorted[i])] > 0) s.put(sorted[i], s.rows().getRow(i).dup());
        }
        return s;
    }

    /**
     * A bank from keyed state {@code [size, M*d]} ({@link #toKeyedState()}'s layout); touched rows get touch count 1.
     *
     * @param patches M; the state's row length must be a multiple of it
     */
    public static PatchMemoryBank fromKeyedState(KeyedState state, int patches, double momentum) {
        long width = state.rows().size(1);
        if (patches < 1 || width % patches != 0) {
            throw new IllegalArgumentException("keyed state rows of length " + width + " do not split into " + patches + " patches");
        }
        PatchMemoryBank b = new PatchMemoryBank(patches, (int) (width / patches), momentum, state.rows().dataType());
        long[] keys = state.keys();
        double[][] rows = state.rows().castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < keys.length; i++) b.append(keys[i], rows[i], state.touched(i) ? 1 : 0);
        return b;
    }

    /** Entry {@code row} flattened as features are ({@code M*d}), read from the storage's buffer. */
    private double[] read(int row) {
        DataBuffer buf = storage.data();
        double[] out = new double[patches * dim];
        for (int p = 0; p < patches; p++) {
            long base = ((long) p * capacity + row) * dim;
            for (int k = 0; k < dim; k++) out[p * dim + k] = buf.getDouble(base + k);
        }
        return out;
    }

    private void write(int row, double[] flat) {
        DataBuffer buf = storage.data();
        for (int p = 0; p < patches; p++) {
            long base = ((long) p * capacity + row) * dim;
            for (int k = 0; k < dim; k++) buf.put(base + k, flat[p * dim + k]);
        }
    }

    private int append(long key, double[] flat, int touchCount) {
        if (size == capacity) resize(Math.max(INITIAL_CAPACITY, capacity * 2));
        int row = size++;
        if (keys.length < capacity) {
            keys = Arrays.copyOf(keys, capacity);
            touches = Arrays.copyOf(touches, capacity);
        }
        keys[row] = key;
        touches[row] = touchCount;
        rowOf.put(key, row);
        write(row, flat);
        return row;
    }

    /** New storage {@code [M, newCapacity, d]} (c order, not a view) holding the first {@code size} entries. */
    private void resize(int newCapacity) {
        INDArray s = Nd4j.zeros(dataType, patches, newCapacity, dim);
        if (size > 0) {
            // both reshaped to [M, capacity * d]: views that start at offset 0, one block of size * d per patch
            s.reshape(patches, (long) newCapacity * dim).get(NDArrayIndex.all(), NDArrayIndex.interval(0, (long) size * dim))
                    .assign(storage.reshape(patches, (long) capacity * dim).get(NDArrayIndex.all(), NDArrayIndex.interval(0, (long) size * dim)));
        }
        storage = s;
        capacity = newCapacity;
    }

    private void checkFeatures(long[] keys, INDArray features) {
        if (features.rank() != 2 || features.size(0) != keys.length || features.size(1) != (long) patches * dim) {
            throw new IllegalArgumentException("patch memory bank expects features [" + keys.length + ", " + ((long) patches * dim)
                    + "] (" + keys.length + " keys, " + patches + " patches x " + dim + "), got " + Arrays.toString(features.shape()));
        }
    }

    private static void checkDistinct(long[] keys) {
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            Integer prev = seen.put(keys[i], i);
            if (prev != null) throw new IllegalArgumentException("key " + keys[i] + " appears twice in one batch (samples " + prev + " and " + i + ")");
        }
    }

    private void checkRow(int row) {
        if (row < 0 || row >= size) throw new IllegalArgumentException("row " + row + " is outside the bank's [0, " + size + ")");
    }
}
