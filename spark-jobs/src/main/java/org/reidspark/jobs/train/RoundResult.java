package org.reidspark.jobs.train;

import org.reidspark.train.MergeAccumulator;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/** What the workers of one averaging round send back, combined pairwise by {@code treeReduce}. */
final class RoundResult implements Serializable {
    private static final long serialVersionUID = 1L;

    final MergeAccumulator states;
    final Map<String, Double> lossSums = new TreeMap<>();
    long steps;
    long images;
    /** The slowest worker's compute time (the round waits for it). */
    double maxComputeSeconds;

    RoundResult(MergeAccumulator states) {
        this.states = states;
    }

    RoundResult combine(RoundResult o) {
        states.combine(o.states);
        o.lossSums.forEach((k, v) -> lossSums.merge(k, v, Double::sum));
        steps += o.steps;
        images += o.images;
        maxComputeSeconds = Math.max(maxComputeSeconds, o.maxComputeSeconds);
        return this;
    }

    Map<String, Double> meanLosses() {
        Map<String, Double> m = new TreeMap<>();
        lossSums.forEach((k, v) -> m.put(k, v / Math.max(1, steps)));
        return m;
    }
}
