package org.reidspark.model.head;

import org.deeplearning4j.nn.conf.constraint.BaseConstraint;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;

/**
 * A DL4J parameter constraint that holds a parameter at zero: applied after every update (by
 * {@code ComputationGraph.applyConstraints}, which {@link org.reidspark.model.ExternalBackprop#update} and DL4J's own
 * fit both call). BNNeck uses it on its BatchNorm shift, which BoT (https://arxiv.org/abs/1903.07071) does not learn.
 * Serialized into the network's JSON by class name, so a saved network restores with it.
 */
public final class ZeroConstraint extends BaseConstraint {
    public ZeroConstraint() {
        super(Collections.emptySet());
    }

    @Override
    public void apply(INDArray param) {
        param.assign(0);
    }

    @Override
    public ZeroConstraint clone() {
        ZeroConstraint c = new ZeroConstraint();
        c.setParams(getParams());
        return c;
    }
}
