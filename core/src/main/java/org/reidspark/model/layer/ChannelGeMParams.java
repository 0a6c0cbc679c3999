package org.reidspark.model.layer;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a {@link ChannelGeM}, in this order in the flattened view: {@value #P} {@code [1, 1]} (the
 * exponent), then, when gated, {@value #W} {@code [n, C]} (gate logits; sigmoid(W) weighs the channels).
 */
public final class ChannelGeMParams implements ParamInitializer {
    public static final String P = "p";
    public static final String W = "W";
    static final ChannelGeMParams INSTANCE = new ChannelGeMParams();

    private ChannelGeMParams() {
    }

    private static ChannelGeM conf(Layer layer) {
        return (ChannelGeM) layer;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        ChannelGeM c = conf(layer);
        return 1 + (c.isGated() ? c.getNOut() * c.getNIn() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return conf(layer).isGated() ? List.of(P, W) : List.of(P);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return conf(layer).isGated() ? List.of(W) : List.of();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(P);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return W.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return P.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        ChannelGeM c = conf(conf.getLayer());
        Map<String, INDArray> m = split(c, paramsView);
        if (initializeParams) {
            m.get(P).assign(c.getInitialP());
            if (c.isGated()) {
                new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2))).init(c.getNIn(), c.getNOut(),
                        new long[] {c.getNOut(), c.getNIn()}, 'c', m.get(W));
            }
        }
        return m;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf(conf.getLayer()), gradientView);
    }

    private static Map<String, INDArray> split(ChannelGeM c, INDArray view) {
        INDArray flat = view.reshape(view.length());
        long expected = 1 + (c.isGated() ? c.getNOut() * c.getNIn() : 0);
        if (flat.length() != expected) {
            throw new IllegalArgumentException("ChannelGeM " + c.getLayerName() + " has " + expected + " parameters, the view " + flat.length());
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(P, flat.get(NDArrayIndex.interval(0, 1)).reshape(1, 1));
        if (c.isGated()) m.put(W, flat.get(NDArrayIndex.interval(1, expected)).reshape('c', c.getNOut(), c.getNIn()));
        return m;
    }
}
