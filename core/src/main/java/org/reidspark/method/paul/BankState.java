package org.reidspark.method.paul;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.train.KeyedState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link PatchMemoryBank} kept in the training state as {@link KeyedState} (https://arxiv.org/abs/1904.01308): one
 * row per training image key, {@code [N, 1 + M*d]}; column 0 is 1 once the image has an entry (the official bank
 * holds only images it has seen: {@code PatchMemory.name}), columns {@code 1 ..} hold the entry flattened as features
 * are (patch {@code p} in {@code [1 + p*d, 1 + (p+1)*d)}). The update of a batch goes through
 * {@link PatchMemoryBank#update} (the official momentum rule, a new key added as it is) on a bank holding the batch's
 * existing entries; the rows written back are marked touched, so copies on several workers merge by key
 * ({@link org.reidspark.train.MergeRule#BY_KEY}: the mean over the workers that changed the row, the rule of
 * {@link PatchMemoryBank#merge}). The same layout with {@code M = 1} holds IPFL's image memory.
 */
final class BankState {
    private BankState() {
    }

    /** Empty: no image has an entry yet. */
    static KeyedState empty(long[] keys, int width, DataType type) {
        return new KeyedState(keys.clone(), Nd4j.zeros(type, keys.length, 1 + width));
    }

    /**
     * The official update with the batch's {@code features [B, M*d]}: the entries of {@code keys} after it, in batch
     * order, {@code [B, M*d]}, also written back to {@code state} (marked touched).
     */
    static INDArray update(KeyedState state, long[] keys, INDArray features, int patches, double momentum) {
        long width = state.rows().size(1) - 1;
        if (features.rank() != 2 || features.size(0) != keys.length || features.size(1) != width) {
            throw new IllegalArgumentException("bank update expects features [" + keys.length + ", " + width + "], got "
                    + Arrays.toString(features.shape()));
        }
        DataType type = state.rows().dataType();
        PatchMemoryBank bank = new PatchMemoryBank(patches, (int) (width / patches), momentum, type);
        List<Long> present = new ArrayList<>();
        List<INDArray> rows = new ArrayList<>();
        for (long key : keys) {
            INDArray row = state.row(key);
            if (row.getDouble(0) != 0 && !present.contains(key)) {
                present.add(key);
                rows.add(row.get(NDArrayIndex.interval(1, 1 + width)).reshape(1, width));
            }
        }
        if (!present.isEmpty()) bank.add(present.stream().mapToLong(Long::longValue).toArray(), Nd4j.vstack(rows.toArray(new INDArray[0])));
        int[] at = bank.update(keys, features);
        INDArray out = bank.rows(at);
        for (int i = 0; i < keys.length; i++) {
            INDArray row = Nd4j.zeros(type, 1 + width);
            row.putScalar(0, 1.0);
            row.get(NDArrayIndex.interval(1, 1 + width)).assign(out.getRow(i));
            state.put(keys[i], row);
        }
        return out;
    }

    /** The rows that have an entry (column 0 set), ascending. */
    static int[] filled(KeyedState state) {
        double[] flags = state.rows().getColumn(0).castTo(DataType.DOUBLE).toDoubleVector();
        int[] index = new int[flags.length];
        int n = 0;
        for (int i = 0; i < flags.length; i++) if (flags[i] != 0) index[n++] = i;
        return Arrays.copyOf(index, n);
    }

    /** The entries the bank holds, for PEDAL. */
    record Entries(INDArray bank, int[] rowOf) {
    }

    /**
     * Every existing entry as PEDAL reads the bank, {@code [M, n, d]} (rows in key order), and the row of each of
     * {@code keys} in it (each must have an entry).
     */
    static Entries entries(KeyedState state, long[] keys, int patches) {
        INDArray all = state.rows();
        long width = all.size(1) - 1;
        int d = (int) (width / patches);
        int[] index = filled(state);
        int n = index.length;
        int[] rowOfIndex = new int[(int) all.size(0)];
        Arrays.fill(rowOfIndex, -1);
        for (int j = 0; j < n; j++) rowOfIndex[index[j]] = j;
        INDArray rows = Nd4j.pullRows(all, 1, index).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + width));
        INDArray bank = rows.dup('c').reshape(n, patches, d).permute(1, 0, 2).dup('c');
        int[] own = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            own[i] = rowOfIndex[state.index(keys[i])];
            if (own[i] < 0) throw new IllegalArgumentException("key " + keys[i] + " has no bank entry");
        }
        return new Entries(bank, own);
    }

    /** How many images have an entry. */
    static int size(KeyedState state) {
        return (int) state.rows().getColumn(0).castTo(DataType.DOUBLE).sumNumber().doubleValue();
    }
}
