package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums of workers' training states, combined pairwise (so a Spark {@code treeAggregate} can merge them
 * without funnelling every state through the driver), then applied to the broadcast state by each
 * component's {@link MergeRule}:
 * network parameters (batch-norm statistics included, DL4J keeps them among the parameters) and optimizer
 * state of {@code AVERAGE} networks are averaged ({@code FROZEN} networks are neither added nor touched); {@link DenseState} marked {@code AVERAGE} is averaged; {@link KeyedState} rows are
 * averaged over the workers that touched them; {@code FROZEN} state is left as broadcast.
 */
public final class MergeAccumulator implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private int count;
    private long maxIteration;
    private final Map<String, INDArray> paramSums = new LinkedHashMap<>();
    private final Map<String, INDArray> updaterSums = new LinkedHashMap<>();
    private final Map<String, INDArray> denseSums = new LinkedHashMap<>();
    private final Map<String, INDArray> keyedSums = new LinkedHashMap<>();
    private final Map<String, int[]> keyedCounts = new LinkedHashMap<>();

    /** Adds one worker's state. */
    public MergeAccumulator add(TrainingState s) {
        count++;
        maxIteration = Math.max(maxIteration, s.iteration());
        for (Map.Entry<String, ComputationGraph> e : s.networks().asMap().entrySet()) {
            if (s.networks().frozen(e.getKey())) continue;
            ComputationGraph g = e.getValue();
            accumulate(paramSums, e.getKey(), g.params());
            INDArray upd = updaterState(g);
            if (upd != null) accumulate(updaterSums, e.getKey(), upd);
        }
        for (Map.Entry<String, AuxState> e : s.aux().entrySet()) {
            if (e.getValue() instanceof DenseState d && d.rule() == MergeRule.AVERAGE) {
                accumulate(denseSums, e.getKey(), d.value());
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

    /** Combines another accumulator into this one. */
    public MergeAccumulator combine(MergeAccumulator o) {
        count += o.count;
        maxIteration = Math.max(maxIteration, o.maxIteration);
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
            e.getValue().setParams(p.div(count));
            INDArray u = updaterSums.get(e.getKey());
            INDArray target = updaterState(e.getValue());
            if (u != null && target != null) target.assign(u.div(count));
        }
        for (Map.Entry<String, AuxState> e : base.aux().entrySet()) {
            if (e.getValue() instanceof DenseState d && d.rule() == MergeRule.AVERAGE) {
                d.value().assign(denseSums.get(e.getKey()).div(count));
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
