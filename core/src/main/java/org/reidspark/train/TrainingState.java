package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a method's training needs to continue exactly where it stopped: its networks (parameters,
 * batch-norm statistics and optimizer state, all inside each DL4J graph), auxiliary state, each component with its
 * declared {@link MergeRule}, and the position in the schedule (epoch, iteration).
 *
 * <p>One format serves checkpoints, Spark broadcast and resume ({@link #write}/{@link #read}). A {@link Part} of the
 * state can be written alone: the parameter-averaging trainer sends the {@link Part#FROZEN} components to the
 * executors once per training and the {@link Part#TRAINABLE} ones every round, and an executor puts them together
 * again with {@link #attach}. Workers' states are combined by {@link MergeAccumulator} following each component's
 * rule.
 */
public final class TrainingState {
    private static final int MAGIC = 0x52454944; // "REID"
    /**
     * 1: no merge rule per network (all averaged); 2: a rule per network; 3: the training curve so far; 4: each network
     * as its configuration's JSON and its parameters' and optimizer state's raw values ({@link NetworkBytes}) instead of
     * DL4J's {@code ModelSerializer} zip, whose deflating took most of a checkpoint's time (0.29 s against 0.02 s for
     * the main job's network: docs/performance.md, "Checkpoints without a zip"). Earlier versions are still read.
     */
    private static final int VERSION = 4;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Which components {@link #write(OutputStream, Part)} writes. */
    public enum Part {
        /** Everything (checkpoints). */
        ALL,
        /** The components that train and merge: networks and aux state not marked {@link MergeRule#FROZEN}. */
        TRAINABLE,
        /** The {@link MergeRule#FROZEN} networks and aux state only. */
        FROZEN;

        boolean includes(MergeRule rule) {
            return this == ALL || (this == FROZEN) == (rule == MergeRule.FROZEN);
        }
    }

    private final NetworkSet networks;
    private final Map<String, AuxState> aux = new LinkedHashMap<>();
    private final List<EpochLoop.EpochRecord> curve = new java.util.ArrayList<>();
    private long iteration;
    private int epoch;

    public TrainingState(NetworkSet networks) {
        this.networks = networks;
    }

    public NetworkSet networks() {
        return networks;
    }

    public ComputationGraph network(String name) {
        return networks.get(name);
    }

    /** The networks that train (not frozen), by name: what a run publishes as its model. */
    public Map<String, ComputationGraph> trainedNetworks() {
        Map<String, ComputationGraph> out = new LinkedHashMap<>();
        networks.asMap().forEach((name, g) -> {
            if (!networks.frozen(name)) out.put(name, g);
        });
        return Collections.unmodifiableMap(out);
    }

    public TrainingState putAux(String name, AuxState state) {
        if (aux.containsKey(name)) throw new IllegalArgumentException("auxiliary state " + name + " already present");
        aux.put(name, state);
        return this;
    }

    public Map<String, AuxState> aux() {
        return Collections.unmodifiableMap(aux);
    }

    public DenseState dense(String name) {
        return (DenseState) auxOrFail(name);
    }

    public KeyedState keyed(String name) {
        return (KeyedState) auxOrFail(name);
    }

    private AuxState auxOrFail(String name) {
        AuxState s = aux.get(name);
        if (s == null) throw new IllegalArgumentException("no auxiliary state \"" + name + "\"; present: " + aux.keySet());
        return s;
    }

    /** The training curve of the epochs done so far (kept in checkpoints, so a resumed run's curve is whole). */
    public List<EpochLoop.EpochRecord> curve() {
        return Collections.unmodifiableList(curve);
    }

    /** Appends the record of the epoch just done. */
    public void addEpoch(EpochLoop.EpochRecord record) {
        curve.add(record);
    }

    /** Steps taken so far (over all epochs). */
    public long iteration() {
        return iteration;
    }

    /** The current epoch, 0-based. */
    public int epoch() {
        return epoch;
    }

    public void setPosition(int epoch, long iteration) {
        this.epoch = epoch;
        this.iteration = iteration;
    }

    public void advanceIteration() {
        iteration++;
    }

    /**
     * Adds the components of {@code frozen} (a state read from a {@link Part#FROZEN} write) to this one, by
     * reference: the networks and aux state are shared, not copied. Returns this.
     */
    public TrainingState attach(TrainingState frozen) {
        if (!frozen.curve.isEmpty()) throw new IllegalArgumentException("a frozen part carries no curve");
        for (Map.Entry<String, ComputationGraph> e : frozen.networks.asMap().entrySet()) {
            networks.put(e.getKey(), e.getValue(), frozen.networks.rule(e.getKey()));
        }
        for (Map.Entry<String, AuxState> e : frozen.aux.entrySet()) putAux(e.getKey(), e.getValue());
        return this;
    }

    /** Whether any component is frozen. */
    public boolean hasFrozen() {
        return networks.names().stream().anyMatch(networks::frozen)
                || aux.values().stream().anyMatch(a -> a.rule() == MergeRule.FROZEN);
    }

    /** A deep copy through the serialized form (networks, optimizer state, aux state, position). */
    public TrainingState copy() {
        try {
            return read(new ByteArrayInputStream(toBytes()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy training state", e);
        }
    }

    public byte[] toBytes() throws IOException {
        return toBytes(Part.ALL);
    }

    /** {@link #write(OutputStream, Part)} into an array. */
    public byte[] toBytes(Part part) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, part);
        return out.toByteArray();
    }

    /** Writes the whole state; the stream is not closed. */
    public void write(OutputStream os) throws IOException {
        write(os, Part.ALL);
    }

    /** Writes {@code part} of the state (with the position); the stream is not closed. */
    public void write(OutputStream os, Part part) throws IOException {
        DataOutputStream out = new DataOutputStream(os);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(iteration);
        out.writeInt(epoch);
        List<String> nets = networks.names().stream().filter(n -> part.includes(networks.rule(n))).toList();
        out.writeInt(nets.size());
        for (String name : nets) {
            out.writeUTF(name);
            out.writeByte(networks.rule(name).ordinal());
            NetworkBytes.write(out, networks.get(name), true);
        }
        List<Map.Entry<String, AuxState>> parts = aux.entrySet().stream().filter(e -> part.includes(e.getValue().rule())).toList();
        out.writeInt(parts.size());
        for (Map.Entry<String, AuxState> e : parts) {
            out.writeUTF(e.getKey());
            out.writeByte(e.getValue().rule().ordinal());
            if (e.getValue() instanceof DenseState d) {
                Nd4j.write(d.value(), out);
            } else if (e.getValue() instanceof KeyedState k) {
                out.writeInt(k.keys().length);
                for (long key : k.keys()) out.writeLong(key);
                Nd4j.write(k.rows(), out);
                long[] bits = k.touchedBits().toLongArray();
                out.writeInt(bits.length);
                for (long b : bits) out.writeLong(b);
            }
        }
        byte[] history = part == Part.ALL ? JSON.writeValueAsBytes(curve) : new byte[0];
        out.writeInt(history.length);
        out.write(history);
        out.flush();
    }

    public static TrainingState read(InputStream is) throws IOException {
        DataInputStream in = new DataInputStream(is);
        if (in.readInt() != MAGIC) throw new IOException("not a reid-spark training state (bad magic number)");
        int version = in.readInt();
        if (version < 1 || version > VERSION) {
            throw new IOException("training state version " + version + " is not supported (expected 1 to " + VERSION + ")");
        }
        long iteration = in.readLong();
        int epoch = in.readInt();
        NetworkSet nets = new NetworkSet();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            MergeRule rule = version == 1 ? MergeRule.AVERAGE : MergeRule.values()[in.readByte()];
            if (version >= 4) {
                nets.put(name, NetworkBytes.read(in), rule);
            } else {
                byte[] zip = in.readNBytes(in.readInt());
                nets.put(name, ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), true), rule);
            }
        }
        TrainingState state = new TrainingState(nets);
        int a = in.readInt();
        for (int i = 0; i < a; i++) {
            String name = in.readUTF();
            MergeRule rule = MergeRule.values()[in.readByte()];
            if (rule == MergeRule.BY_KEY) {
                long[] keys = new long[in.readInt()];
                for (int j = 0; j < keys.length; j++) keys[j] = in.readLong();
                INDArray rows = Nd4j.read(in);
                long[] bits = new long[in.readInt()];
                for (int j = 0; j < bits.length; j++) bits[j] = in.readLong();
                state.putAux(name, KeyedState.restore(keys, rows, BitSet.valueOf(bits)));
            } else {
                state.putAux(name, new DenseState(Nd4j.read(in), rule));
            }
        }
        if (version >= 3) {
            byte[] history = in.readNBytes(in.readInt());
            if (history.length > 0) {
                state.curve.addAll(JSON.readValue(history, new com.fasterxml.jackson.core.type.TypeReference<List<EpochLoop.EpochRecord>>() {
                }));
            }
        }
        state.setPosition(epoch, iteration);
        return state;
    }
}
