package org.reidspark.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense array of auxiliary state (e.g. center-loss centers, shape [classes, dim]), merged by
 * {@link MergeRule#AVERAGE} or kept {@link MergeRule#FROZEN}.
 */
public final class DenseState implements AuxState {
    private final INDArray value;
    private final MergeRule rule;

    public DenseState(INDArray value, MergeRule rule) {
        if (rule == MergeRule.BY_KEY) throw new IllegalArgumentException("dense state cannot merge by key; use KeyedState");
        this.value = value;
        this.rule = rule;
    }

    /** The array itself (steps update it in place). */
    public INDArray value() {
        return value;
    }

    @Override
    public MergeRule rule() {
        return rule;
    }

    @Override
    public DenseState copy() {
        return new DenseState(value.dup(), rule);
    }
}
