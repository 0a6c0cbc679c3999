package org.reidspark.model.norm;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.backbone.LayerWiring;

import java.util.Collection;

/**
 * Instance normalization without affine parameters or running statistics, the {@code 'in'} norm of DG-Net's
 * structure encoder (Zheng et al., "Joint Discriminative and Generative Learning for Person Re-identification",
 * CVPR 2019, https://arxiv.org/abs/1904.07223; official code github.com/NVlabs/DG-Net, {@code networks.py},
 * {@code Conv2dBlock} with {@code nn.InstanceNorm2d}): per sample and channel, over the positions,
 * {@code y = (x - mean) / sqrt(var + eps)}, biased variance, eps 1e-5; the same in training and inference. DL4J has
 * no such layer. The layer is {@link InstanceNormLayer}, with a hand-written backward pass.
 *
 * <p>Shapes (NCHW): input, output and errors {@code [B, C, h, w]}.
 */
public class InstanceNorm extends NoParamLayer {
    private double eps = 1e-5;

    /** eps 1e-5, as PyTorch; also for JSON deserialization. */
    public InstanceNorm() {
    }

    public InstanceNorm(double eps) {
        if (!(eps > 0)) throw new IllegalArgumentException("instance norm eps must be positive, got " + eps);
        this.eps = eps;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new InstanceNormLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("InstanceNorm " + getLayerName() + " needs a convolutional input [B, C, h, w], got " + inputType);
        }
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, InstanceNorm.class, inputType, inputType).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public InstanceNorm clone() {
        return (InstanceNorm) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InstanceNorm n && n.eps == eps && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + Double.hashCode(eps);
    }
}
