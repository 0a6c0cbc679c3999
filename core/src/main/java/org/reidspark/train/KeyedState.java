package org.reidspark.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Rows of state keyed by a sample key (e.g. PAUL's patch memory bank: one row per training image, shape
 * [images, dim]), merged {@link MergeRule#BY_KEY}: rows a worker wrote are marked touched, and the merge
 * averages each row over the workers that touched it.
 */
public final class KeyedState implements AuxState {
    private final long[] keys;
    private final INDArray rows;
    private final BitSet touched;

    /**
     * @param keys sorted, distinct sample keys; row i belongs to keys[i]
     * @param rows [keys.length, dim]
     */
    public KeyedState(long[] keys, INDArray rows) {
        this(keys, rows, new BitSet(keys.length));
    }

    private KeyedState(long[] keys, INDArray rows, BitSet touched) {
        if (rows.rank() != 2 || rows.rows() != keys.length) {
            throw new IllegalArgumentException("keyed state needs one row per key: " + keys.length + " keys, rows "
                    + Arrays.toString(rows.shape()));
        }
        for (int i = 1; i < keys.length; i++) {
            if (keys[i] <= keys[i - 1]) throw new IllegalArgumentException("keys must be sorted and distinct");
        }
        this.keys = keys;
        this.rows = rows;
        this.touched = touched;
    }

    public long[] keys() {
        return keys;
    }

    public INDArray rows() {
        return rows;
    }

    /** Row index of {@code key}, or an error naming the key. */
    public int index(long key) {
        int i = Arrays.binarySearch(keys, key);
        if (i < 0) throw new IllegalArgumentException("no row for key " + key);
        return i;
    }

    /** The row of {@code key} (a view). */
    public INDArray row(long key) {
        return rows.getRow(index(key));
    }

    /** Writes the row of {@code key} and marks it touched. */
    public void put(long key, INDArray value) {
        int i = index(key);
        rows.putRow(i, value);
        touched.set(i);
    }

    public boolean touched(int index) {
        return touched.get(index);
    }

    /** Forgets which rows were written (done when a merged state is broadcast). */
    public void clearTouched() {
        touched.clear();
    }

    BitSet touchedBits() {
        return touched;
    }

    @Override
    public MergeRule rule() {
        return MergeRule.BY_KEY;
    }

    @Override
    public KeyedState copy() {
        return new KeyedState(keys.clone(), rows.dup(), (BitSet) touched.clone());
    }

    static KeyedState restore(long[] keys, INDArray rows, BitSet touched) {
        return new KeyedState(keys, rows, touched);
    }
}
