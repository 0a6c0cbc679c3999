package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sums of workers' training states, combined pairwise (so a Spark {@code treeAggregate} can merge them
 * without funnelling every state through the driver), then applied to the broadcast state by each
 * component's {@link MergeRule}:
 * network parameters (batch-norm statistics included, DL4J keeps them among the parameters) and optimizer
 * state of {@code AVERAGE} networks are averaged ({@code FROZEN} networks are neither added nor touched); {@link DenseState} marked {@code AVERAGE} is averaged; {@link KeyedState} rows are
 * averaged over the workers that touched them; {@code FROZEN} state is left as broadcast. Each network's iteration
 * and epoch counters (which Adam's bias correction reads) become the furthest a worker reached, as in a local run.
 *
 * <p>In the compact exchange ({@link #addChange}) the sums are of each worker's change to the parameters and averaged
 * dense state since the round began, sent in half precision, without optimizer state; {@link #applyTo} adds their mean.
 */
public final class MergeAccumulator implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private int count;
    private long maxIteration;
    /** Whether the sums are of changes ({@link #addChange}) rather than of states ({@link #add}); null while empty. */
    private Boolean changes;
    private final Map<String, Integer> graphIterations = new LinkedHashMap<>();
    private final Map<String, Integer> graphEpochs = new LinkedHashMap<>();
    // written as raw numbers (writeObject): ND4J's own serialization of the megabytes a round returns is several times slower
    private transient Map<String, INDArray> paramSums = new LinkedHashMap<>();
    private transient Map<String, INDArray> updaterSums = new LinkedHashMap<>();
    private transient Map<String, INDArray> denseSums = new LinkedHashMap<>();
    private transient Map<String, INDArray> keyedSums = new LinkedHashMap<>();
    private final Map<String, int[]> keyedCounts = new LinkedHashMap<>();

    /** Adds one worker's state. */
    public MergeAccumulator add(TrainingState s) {
        return add(s, null);
    }

    /**
     * Adds one worker's round of the compact exchange: the change of each trained network's parameters and of each
     * averaged dense state since {@code base} (the {@link StateValues#snapshot} taken when the round's values came in),
     * no optimizer state (each worker keeps its own), keyed rows as {@link #add} does. The changes travel in half
     * precision ({@link RawArrays}); {@link #applyTo} adds their mean to the state the round started from.
     */
    public MergeAccumulator addChange(TrainingState s, Map<String, INDArray> base) {
        if (base == null) throw new IllegalArgumentException("a change needs the round's snapshot");
        return add(s, base);
    }

    /** The state of {@code s} ({@code base} null) or its change since {@code base}. */
    private MergeAccumulator add(TrainingState s, Map<String, INDArray> base) {
        boolean change = base != null;
        mode(change);
        count++;
        maxIteration = Math.max(maxIteration, s.iteration());
        for (Map.Entry<String, ComputationGraph> e : StateValues.trained(s)) {
            ComputationGraph g = e.getValue();
            graphIterations.merge(e.getKey(), g.getIterationCount(), Math::max);
            graphEpochs.merge(e.getKey(), g.getEpochCount(), Math::max);
            accumulate(paramSums, e.getKey(), change ? g.params().sub(baseOf(base, "network " + e.getKey())) : g.params());
            INDArray upd = change ? null : updaterState(g);
            if (upd != null) accumulate(updaterSums, e.getKey(), upd);
        }
        for (Map.Entry<String, AuxState> e : s.aux().entrySet()) {
            if (e.getValue() instanceof DenseState d && d.rule() == MergeRule.AVERAGE) {
                accumulate(denseSums, e.getKey(), change ? d.value().sub(baseOf(base, "dense " + e.getKey())) : d.value());
            } else if (e.getValue() instanceof KeyedState k) {
                INDArray sum = keyedSums.computeIfAbsent(e.getKey(), x -> Nd4j.zeros(k.rows().dataType(), k.rows().shape()));
                int[] counts = keyedCounts.computeIfAbsent(e.getKey(), x -> new int[k.keys().length]);
                for (int i = 0; i < counts.length; i++) {
                    if (k.touched(i)) {
                        sum.getRow(i).addi(k.rows().getRow(i));
                        counts[i]++;
                    }
                }
            }
        }
        return this;
    }

    private static INDArray baseOf(Map<String, INDArray> base, String name) {
        INDArray b = base.get(name);
        if (b == null) throw new IllegalArgumentException("the round's snapshot has no " + name + "; it has " + base.keySet());
        return b;
    }

    private void mode(boolean change) {
        if (changes != null && changes != change) {
            throw new IllegalStateException("one accumulator sums either states (full exchange) or changes (compact), not both");
        }
        changes = change;
    }

    /** Combines another accumulator into this one. */
    public MergeAccumulator combine(MergeAccumulator o) {
        if (o.changes != null) mode(o.changes);
        count += o.count;
        maxIteration = Math.max(maxIteration, o.maxIteration);
        o.graphIterations.forEach((k, v) -> graphIterations.merge(k, v, Math::max));
        o.graphEpochs.forEach((k, v) -> graphEpochs.merge(k, v, Math::max));
        o.paramSums.forEach((k, v) -> accumulate(paramSums, k, v));
        o.updaterSums.forEach((k, v) -> accumulate(updaterSums, k, v));
        o.denseSums.forEach((k, v) -> accumulate(denseSums, k, v));
        o.keyedSums.forEach((k, v) -> accumulate(keyedSums, k, v));
        o.keyedCounts.forEach((k, v) -> {
            int[] mine = keyedCounts.computeIfAbsent(k, x -> new int[v.length]);
            for (int i = 0; i < v.length; i++) mine[i] += v[i];
        });
        return this;
    }

    public int count() {
        return count;
    }

    /**
     * Writes the merged values into {@code base} (the state the workers started from): averages, keyed
     * rows, the furthest iteration. Touched marks are cleared, ready for the next round.
     */
    public void applyTo(TrainingState base) {
        if (count == 0) throw new IllegalStateException("nothing to merge: no worker state was added");
        for (Map.Entry<String, ComputationGraph> e : base.networks().asMap().entrySet()) {
            if (base.networks().frozen(e.getKey())) continue;
            INDArray p = paramSums.get(e.getKey());
            if (p == null) throw new IllegalStateException("workers did not report network " + e.getKey());
            if (Boolean.TRUE.equals(changes)) e.getValue().params().addi(p.div(count));
            else e.getValue().setParams(p.div(count));
            // the optimizer's step counter (Adam's bias correction reads it) goes on from where the workers left it
            e.getValue().getConfiguration().setIterationCount(graphIterations.get(e.getKey()));
            e.getValue().getConfiguration().setEpochCount(graphEpochs.get(e.getKey()));
            INDArray u = updaterSums.get(e.getKey());
            INDArray target = updaterState(e.getValue());
            if (u != null && target != null) target.assign(u.div(count)); // none in the compact exchange
        }
        for (Map.Entry<String, AuxState> e : base.aux().entrySet()) {
            if (e.getValue() instanceof DenseState d && d.rule() == MergeRule.AVERAGE) {
                INDArray mean = denseSums.get(e.getKey()).div(count);
                if (Boolean.TRUE.equals(changes)) d.value().addi(mean);
                else d.value().assign(mean);
            } else if (e.getValue() instanceof KeyedState k) {
                INDArray sum = keyedSums.get(e.getKey());
                int[] counts = keyedCounts.get(e.getKey());
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] > 0) k.rows().putRow(i, sum.getRow(i).div(counts[i]));
                }
                k.clearTouched();
            }
        }
        base.setPosition(base.epoch(), maxIteration);
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        for (Map<String, INDArray> m : List.of(paramSums, updaterSums, denseSums, keyedSums)) {
            boolean half = Boolean.TRUE.equals(changes) && m != keyedSums; // changes in half precision, keyed rows exact
            out.writeInt(m.size());
            for (Map.Entry<String, INDArray> e : m.entrySet()) {
                out.writeUTF(e.getKey());
                long[] shape = e.getValue().shape();
                out.writeInt(shape.length);
                for (long d : shape) out.writeLong(d);
                RawArrays.write(out, e.getValue(), half);
            }
        }
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        List<Map<String, INDArray>> maps = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Map<String, INDArray> m = new LinkedHashMap<>();
            int n = in.readInt();
            for (int j = 0; j < n; j++) {
                String key = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) shape[d] = in.readLong();
                m.put(key, RawArrays.read(in).reshape(shape));
            }
            maps.add(m);
        }
        paramSums = maps.get(0);
        updaterSums = maps.get(1);
        denseSums = maps.get(2);
        keyedSums = maps.get(3);
    }

    private static INDArray updaterState(ComputationGraph g) {
        if (g.getUpdater(false) == null) return null;
        return g.getUpdater(false).getStateViewArray();
    }

    private static void accumulate(Map<String, INDArray> sums, String key, INDArray value) {
        INDArray sum = sums.get(key);
        if (sum == null) sums.put(key, value.dup());
        else sum.addi(value);
    }
}
