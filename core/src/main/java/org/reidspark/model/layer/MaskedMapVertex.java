package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Objects;

/**
 * A feature map re-weighted by one channel of a mask map that is <em>detached</em> (the mask gets no gradient from
 * this use): DCR's branches (https://doi.org/10.1016/j.neucom.2024.128723; official code
 * github.com/DeepAlchemist/differentiable-categorical-region, {@code GSS.forward}) each multiply the mid-level map by
 * a detached mask and run their own copy of the last ResNet block on it. Two inputs, in order: the map
 * {@code x [B, C, h, w]} and the masks {@code m [B, n, h, w]}; output
 * <pre>
 *   y[b, c, i, j] = x[b, c, i, j] * a[b, i, j],   a = m[:, channel] / sum m[:, channel]
 * </pre>
 * with the sum over {@code height} per column ({@code "height"}: the official part branches,
 * {@code mask / mask.sum(2)}), over the whole map ({@code "all"}: the foreground branch), or no normalization
 * ({@code "none"}); sums are floored at 1e-12. Backward: {@code dx = dy * a}, and zeros for the masks. The vertex is
 * {@link MaskedMapVertexImpl}.
 */
public class MaskedMapVertex extends ParameterFreeVertexConfiguration {
    /** How the mask channel is normalized before it multiplies the map. */
    public static final List<String> NORMALIZATIONS = List.of("height", "all", "none");

    private int channel;
    private String normalization;

    /** For JSON deserialization. */
    public MaskedMapVertex() {
    }

    /**
     * @param channel       the mask channel that weighs the map
     * @param normalization one of {@link #NORMALIZATIONS}
     */
    public MaskedMapVertex(int channel, String normalization) {
        if (channel < 0) throw new IllegalArgumentException("mask channel must be >= 0, got " + channel);
        if (!NORMALIZATIONS.contains(normalization)) {
            throw new IllegalArgumentException("mask normalization must be one of " + NORMALIZATIONS + ", got " + normalization);
        }
        this.channel = channel;
        this.normalization = normalization;
    }

    public int getChannel() {
        return channel;
    }

    public void setChannel(int channel) {
        this.channel = channel;
    }

    public String getNormalization() {
        return normalization;
    }

    public void setNormalization(String normalization) {
        this.normalization = normalization;
    }

    @Override
    public MaskedMapVertex clone() {
        return new MaskedMapVertex(channel, normalization);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskedMapVertex v && v.channel == channel && Objects.equals(v.normalization, normalization);
    }

    @Override
    public int hashCode() {
        return Objects.hash(MaskedMapVertex.class, channel, normalization);
    }

    @Override
    protected int inputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new MaskedMapVertexImpl(graph, name, idx, channel, normalization, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2 || !(vertexInputs[0] instanceof InputType.InputTypeConvolutional x)
                || !(vertexInputs[1] instanceof InputType.InputTypeConvolutional m)) {
            throw new InvalidInputTypeException("MaskedMapVertex takes a feature map and a mask map, both convolutional; got "
                    + java.util.Arrays.toString(vertexInputs));
        }
        if (x.getHeight() != m.getHeight() || x.getWidth() != m.getWidth()) {
            throw new InvalidInputTypeException("MaskedMapVertex: the map is " + x.getHeight() + "x" + x.getWidth()
                    + " but the masks are " + m.getHeight() + "x" + m.getWidth());
        }
        if (channel >= m.getChannels()) {
            throw new InvalidInputTypeException("MaskedMapVertex reads mask channel " + channel + " of " + m.getChannels());
        }
        return x;
    }
}
