package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;

/**
 * The configuration side of {@link ParameterFreeVertex}, what the project's parameter-free graph vertices (the residual
 * sum, AdaIN, the masked map, the bilinear sampler) write alike for DL4J: no parameters, a fixed number of inputs, and
 * a memory report of the output alone. It has no fields, so the saved form of a graph (DL4J's JSON holds the
 * configurations' fields) is what each subclass's own fields make it.
 */
public abstract class ParameterFreeVertexConfiguration extends GraphVertex {
    /** The number of inputs the vertex takes, at least and at most. */
    protected abstract int inputs();

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return inputs();
    }

    @Override
    public int maxVertexInputs() {
        return inputs();
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, getClass(), inputTypes[0], getOutputType(-1, inputTypes))
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }
}
