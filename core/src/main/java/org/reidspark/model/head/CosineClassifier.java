package org.reidspark.model.head;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.backbone.LayerWiring;

import java.util.Collection;

/**
 * A cosine (normalised) classifier layer configuration: CAL's {@code NormalizedClassifier} ("Clothes-Changing Person
 * Re-identification with RGB Modality Only", Gu et al., CVPR 2022, https://arxiv.org/abs/2204.06890; official code
 * {@code guxinqian/Simple-CCReID}, {@code models/classifier.py}): {@code y_ik = <x_i / |x_i|, w_k / |w_k|>}, the
 * cosine of the feature with each class's weight vector, in [-1, 1]; the scale (CAL: 16) is the loss's. No bias.
 * The layer, {@link CosineClassifierLayer}, has a hand-written backward pass checked against central differences.
 *
 * <p>Shapes: input {@code [B, D]}, weights {@code W [D, K]} (DL4J's dense layout, one column per class), output
 * {@code [B, K]}. Weights start uniform in [-1, 1] per element (the official code's {@code uniform_(-1, 1)}; only their
 * directions matter). Same serialized form apart from the class name as a bias-free DL4J {@link DenseLayer}.
 */
public class CosineClassifier extends DenseLayer {

    /** For JSON deserialization. */
    public CosineClassifier() {
        super();
    }

    /** A classifier of {@code features}-dimensional inputs into {@code classes} classes. */
    public CosineClassifier(int features, int classes) {
        super();
        if (features < 1 || classes < 2) {
            throw new IllegalArgumentException("a cosine classifier needs >= 1 feature and >= 2 classes, got " + features
                    + " and " + classes);
        }
        setNIn(features);
        setNOut(classes);
        setHasBias(false);
        setActivationFn(new ActivationIdentity());
        setWeightInitFn(new WeightInitDistribution(new UniformDistribution(-1, 1)));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("CosineClassifier", getLayerName(), layerIndex, getNIn(), getNOut());
        if (hasBias()) throw new IllegalStateException("CosineClassifier " + getLayerName() + " has no bias");
        return LayerWiring.wire(new CosineClassifierLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
