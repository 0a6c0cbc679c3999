package org.reidspark.model.norm;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link InstanceNorm}: forward {@code y = (x - mean) / sqrt(var + eps)} per sample and channel; backward
 * {@code dx = invStd * (dy - mean(dy) - y * mean(dy * y))}. Shapes: {@code [B, C, h, w]} in and out.
 */
public class InstanceNormLayer extends AbstractLayer<InstanceNorm> {

    public InstanceNormLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray y = InstanceNorms.normalize(input.castTo(dataType), layerConf().getEps()).xhat();
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, y);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        InstanceNorms.Normalized n = InstanceNorms.normalize(input.castTo(dataType), layerConf().getEps());
        INDArray dx = InstanceNorms.backward(epsilon.castTo(dataType), n);
        return new Pair<>(new DefaultGradient(), workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dx));
    }
}
