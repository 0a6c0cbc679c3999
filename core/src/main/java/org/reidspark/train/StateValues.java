package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The numbers of the trainable part of a {@link TrainingState}, without its structure: what the parameter-averaging
 * trainer sends every round to executors that keep a resident copy of the state (built once per training from a
 * {@link TrainingState.Part#TRAINABLE} write, its template). Per trained network: the parameters (batch-norm
 * statistics included), the optimizer state (created first if the network has not stepped yet, as
 * {@code ModelSerializer} does when it writes one) and the graph's iteration and epoch counters (Adam's bias
 * correction reads them); per merged auxiliary state: a dense array, or a keyed state's rows and touched marks;
 * and the schedule position. Raw arrays in native byte order, no zip and no graph configuration: a round no longer
 * pays for writing and parsing DL4J's model files.
 *
 * <p>{@link #assign} writes the values into a state of the same {@link #layout}; a state of another layout (a
 * method's step added auxiliary state on the driver, e.g. PAUL's global negatives) is refused with both layouts
 * named, so the trainer sends a new template first. After an assign the state is the one a read of the template
 * followed by the values would give: the same numbers, the same counters, the same touched marks.
 */
public final class StateValues {
    private static final int MAGIC = 0x52455356; // "RESV"

    private StateValues() {
    }

    /**
     * What must match for values to go into a state: each trained network's name, parameter and optimizer sizes, each
     * merged auxiliary state's name, kind, shape and (keyed) keys. Two states with equal layouts take each other's
     * values. Creates the optimizer state of a network that has none yet (its first step would).
     */
    public static String layout(TrainingState s) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, ComputationGraph> e : s.networks().asMap().entrySet()) {
            if (s.networks().frozen(e.getKey())) continue;
            INDArray upd = e.getValue().getUpdater(true).getStateViewArray();
            b.append("network ").append(e.getKey()).append(' ').append(e.getValue().numParams()).append('/')
                    .append(upd == null ? 0 : upd.length()).append(' ').append(e.getValue().params().dataType()).append("; ");
        }
        for (Map.Entry<String, AuxState> e : s.aux().entrySet()) {
            AuxState a = e.getValue();
            if (a.rule() == MergeRule.FROZEN) continue;
            if (a instanceof DenseState d) {
                b.append("dense ").append(e.getKey()).append(' ').append(Arrays.toString(d.value().shape())).append("; ");
            } else if (a instanceof KeyedState k) {
                b.append("keyed ").append(e.getKey()).append(' ').append(Arrays.toString(k.rows().shape())).append(" keys#")
                        .append(Arrays.hashCode(k.keys())).append("; ");
            }
        }
        return b.toString();
    }

    /** The values of {@code s}'s trainable part. Creates the optimizer state of a network that has none yet. */
    public static byte[] encode(TrainingState s) {
        return encode(s, true);
    }

    /**
     * The values of {@code s}'s trainable part, with the optimizer state or without it (the compact exchange, where
     * each worker keeps its own: {@link #assign} then leaves the target's as it is).
     */
    public static byte[] encode(TrainingState s, boolean optimizer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint(s, optimizer));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeUTF(layout(s));
            out.writeLong(s.iteration());
            out.writeInt(s.epoch());
            out.writeBoolean(optimizer);
            for (Map.Entry<String, ComputationGraph> e : trained(s)) {
                ComputationGraph g = e.getValue();
                out.writeInt(g.getIterationCount());
                out.writeInt(g.getEpochCount());
                RawArrays.write(out, g.params());
                if (optimizer) RawArrays.write(out, g.getUpdater(true).getStateViewArray());
            }
            for (Map.Entry<String, AuxState> e : merged(s)) {
                if (e.getValue() instanceof DenseState d) {
                    RawArrays.write(out, d.value());
                } else if (e.getValue() instanceof KeyedState k) {
                    RawArrays.write(out, k.rows());
                    long[] bits = k.touchedBits().toLongArray();
                    out.writeInt(bits.length);
                    for (long v : bits) out.writeLong(v);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** About the bytes {@link #encode} writes (its buffer then grows by copying at most once). */
    private static int sizeHint(TrainingState s, boolean optimizer) {
        long bytes = 4096;
        for (Map.Entry<String, ComputationGraph> e : trained(s)) {
            bytes += bytes(e.getValue().params());
            if (optimizer) bytes += bytes(e.getValue().getUpdater(true).getStateViewArray());
        }
        for (Map.Entry<String, AuxState> e : merged(s)) {
            if (e.getValue() instanceof DenseState d) bytes += bytes(d.value());
            else if (e.getValue() instanceof KeyedState k) bytes += bytes(k.rows()) + k.keys().length / 8 + 16;
        }
        return (int) Math.min(Integer.MAX_VALUE - 16, bytes);
    }

    private static long bytes(INDArray a) {
        return a == null ? 8 : 9 + a.length() * a.dataType().width();
    }

    /** The layout the values of {@code bytes} were taken from. */
    public static String layoutOf(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != MAGIC) throw new IllegalArgumentException("not the values of a training state (bad magic number)");
            return in.readUTF();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the values of {@code bytes} (from {@link #encode}) into {@code target}, whose layout must be the one they
     * were taken from. The frozen components of {@code target} are left as they are.
     */
    public static void assign(byte[] bytes, TrainingState target) {
        String layout = layout(target);
        String theirs = layoutOf(bytes);
        if (!theirs.equals(layout)) {
            throw new IllegalArgumentException("the values are of another training state: theirs [" + theirs + "], this one ["
                    + layout + "]");
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            in.readInt();
            in.readUTF();
            long iteration = in.readLong();
            int epoch = in.readInt();
            boolean optimizer = in.readBoolean();
            for (Map.Entry<String, ComputationGraph> e : trained(target)) {
                ComputationGraph g = e.getValue();
                g.getConfiguration().setIterationCount(in.readInt());
                g.getConfiguration().setEpochCount(in.readInt());
                RawArrays.read(in, g.params());
                if (optimizer) RawArrays.read(in, g.getUpdater(true).getStateViewArray());
            }
            for (Map.Entry<String, AuxState> e : merged(target)) {
                if (e.getValue() instanceof DenseState d) {
                    RawArrays.read(in, d.value());
                } else if (e.getValue() instanceof KeyedState k) {
                    RawArrays.read(in, k.rows());
                    long[] bits = new long[in.readInt()];
                    for (int i = 0; i < bits.length; i++) bits[i] = in.readLong();
                    BitSet touched = k.touchedBits();
                    touched.clear();
                    touched.or(BitSet.valueOf(bits));
                }
            }
            target.setPosition(epoch, iteration);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A copy of the numbers a worker's round changes and the compact exchange sends back as changes: each trained
     * network's parameters and each {@link MergeRule#AVERAGE} dense state (see {@link MergeAccumulator#addChange}).
     */
    public static Map<String, INDArray> snapshot(TrainingState s) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, ComputationGraph> e : trained(s)) out.put("network " + e.getKey(), e.getValue().params().dup());
        for (Map.Entry<String, AuxState> e : merged(s)) {
            if (e.getValue() instanceof DenseState d) out.put("dense " + e.getKey(), d.value().dup());
        }
        return out;
    }

    static List<Map.Entry<String, ComputationGraph>> trained(TrainingState s) {
        List<Map.Entry<String, ComputationGraph>> out = new ArrayList<>();
        for (Map.Entry<String, ComputationGraph> e : s.networks().asMap().entrySet()) {
            if (!s.networks().frozen(e.getKey())) out.add(e);
        }
        return out;
    }

    static List<Map.Entry<String, AuxState>> merged(TrainingState s) {
        return s.aux().entrySet().stream().filter(e -> e.getValue().rule() != MergeRule.FROZEN).toList();
    }
}
