package org.reidspark.model.norm;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.layer.ParameterFreeVertexConfiguration;

import java.util.Arrays;

/**
 * Adaptive instance normalization (AdaIN; Huang and Belongie, https://arxiv.org/abs/1703.06868), as DG-Net's decoder
 * uses it to put an appearance code into a structure map (Zheng et al., CVPR 2019, https://arxiv.org/abs/1904.07223;
 * official code github.com/NVlabs/DG-Net, {@code networks.py}, {@code AdaptiveInstanceNorm2d}): the map normalized per
 * sample and channel ({@link InstanceNorm}: biased variance, eps 1e-5), then scaled and shifted by per-sample values
 * that an MLP computes from the appearance code. Three inputs, in order: the map {@code x [B, C, h, w]}, the scales
 * {@code w [B, C]} and the shifts {@code b [B, C]}; output {@code y = xhat * w + b} {@code [B, C, h, w]} (no "+1" on
 * the scale, as the official code). Backward: {@code dw = sum_hw dy * xhat}, {@code db = sum_hw dy}, and the instance
 * norm's backward of {@code dy * w} for {@code x}. No parameters of its own. The vertex is
 * {@link AdaptiveInstanceNormVertexImpl}.
 */
public class AdaptiveInstanceNormVertex extends ParameterFreeVertexConfiguration {
    private double eps = 1e-5;

    /** eps 1e-5; also for JSON deserialization. */
    public AdaptiveInstanceNormVertex() {
    }

    public AdaptiveInstanceNormVertex(double eps) {
        if (!(eps > 0)) throw new IllegalArgumentException("AdaIN eps must be positive, got " + eps);
        this.eps = eps;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    @Override
    public AdaptiveInstanceNormVertex clone() {
        return new AdaptiveInstanceNormVertex(eps);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdaptiveInstanceNormVertex v && v.eps == eps;
    }

    @Override
    public int hashCode() {
        return AdaptiveInstanceNormVertex.class.hashCode() * 31 + Double.hashCode(eps);
    }

    @Override
    protected int inputs() {
        return 3;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new AdaptiveInstanceNormVertexImpl(graph, name, idx, eps, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 3 || !(vertexInputs[0] instanceof InputType.InputTypeConvolutional x)
                || !(vertexInputs[1] instanceof InputType.InputTypeFeedForward w)
                || !(vertexInputs[2] instanceof InputType.InputTypeFeedForward b)) {
            throw new InvalidInputTypeException("AdaptiveInstanceNormVertex takes a feature map [B, C, h, w], scales [B, C] and "
                    + "shifts [B, C]; got " + Arrays.toString(vertexInputs));
        }
        if (w.getSize() != x.getChannels() || b.getSize() != x.getChannels()) {
            throw new InvalidInputTypeException("AdaptiveInstanceNormVertex: the map has " + x.getChannels() + " channels but "
                    + w.getSize() + " scales and " + b.getSize() + " shifts");
        }
        return x;
    }
}
