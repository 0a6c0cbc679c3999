package org.reidspark.model.norm;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a {@link MapLayerNorm}, in this order in the flattened view: {@value #GAMMA} {@code [1, C]}
 * (initialised uniform in [0, 1), as the official code's {@code uniform_()}), then {@value #BETA} {@code [1, C]} (0).
 */
public final class MapLayerNormParams implements ParamInitializer {
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";
    static final MapLayerNormParams INSTANCE = new MapLayerNormParams();

    private MapLayerNormParams() {
    }

    private static MapLayerNorm conf(Layer layer) {
        return (MapLayerNorm) layer;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return 2 * conf(layer).getChannels();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(GAMMA, BETA);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(GAMMA);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(BETA);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return GAMMA.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BETA.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> m = split(conf(conf.getLayer()), paramsView);
        if (initializeParams) {
            m.get(GAMMA).assign(Nd4j.rand(m.get(GAMMA).dataType(), m.get(GAMMA).shape()));
            m.get(BETA).assign(0);
        }
        return m;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf(conf.getLayer()), gradientView);
    }

    private static Map<String, INDArray> split(MapLayerNorm c, INDArray view) {
        INDArray flat = view.reshape(view.length());
        long channels = c.getChannels();
        if (flat.length() != 2 * channels) {
            throw new IllegalArgumentException("MapLayerNorm " + c.getLayerName() + " has " + 2 * channels + " parameters, the view " + flat.length());
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(GAMMA, flat.get(NDArrayIndex.interval(0, channels)).reshape(1, channels));
        m.put(BETA, flat.get(NDArrayIndex.interval(channels, 2 * channels)).reshape(1, channels));
        return m;
    }
}
