package org.reidspark.run;

import com.typesafe.config.Config;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A warm start ({@code reid.train.init-from}): a fresh training state takes a published run's trained parameters
 * wherever they fit. For every network of the state that the run also has, every layer whose parameters have the
 * same names and shapes in both is copied (weights, biases, BatchNorm's statistics); a layer that differs keeps its
 * initialization: a classifier over another number of identities (new people in the data), or a layer the run's
 * network does not have. Optimizer state, auxiliary state (such as BoT's centers, one row per identity) and the
 * schedule start afresh, as for any new run.
 */
public final class WarmStart {
    /** The config key naming the run to start from. */
    public static final String KEY = "reid.train.init-from";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WarmStart.class);

    private WarmStart() {
    }

    /**
     * The published run {@value #KEY} names, opened (a job calls this before any work, so a bad value fails at once),
     * or empty when the key is empty.
     */
    public static Optional<TrainedModel> source(Config config, Method method, Storage storage) throws IOException {
        String from = config.getString(KEY);
        if (from.isBlank()) return Optional.empty();
        TrainedModel model;
        try {
            model = TrainedModel.open(storage, from);
        } catch (IOException e) {
            throw new ConfigError("config key '" + KEY + "': cannot start from " + from + ": " + e.getMessage(), e);
        }
        if (!model.method().name().equals(method.name())) {
            throw ConfigError.badValue(KEY, from, "a run of the method this run trains (" + method.name() + "); it was trained"
                    + " with " + model.method().name());
        }
        return Optional.of(model);
    }

    /** The method's fresh state, warm-started from {@code source} when there is one (what was copied is logged). */
    public static TrainingState initialize(Method method, TrainingData data, long seed, Storage storage,
                                           Optional<TrainedModel> source, Map<String, Object> record) {
        TrainingState state = method.initialize(data, seed, storage);
        source.ifPresent(model -> {
            Report r = apply(state, model.networks());
            LOG.info("warm start from {} ({}): {} values in {} layers copied; kept their initialization: {}", model.location(),
                    model.runId(), r.parameters(), r.copied().values().stream().mapToInt(List::size).sum(), r.kept());
            record.putAll(r.toMap(model.location().toString(), model.runId()));
        });
        return state;
    }

    /**
     * What was copied.
     *
     * @param copied     layers copied, per network
     * @param kept       layers that kept their initialization (with why), per network
     * @param parameters values copied
     */
    public record Report(Map<String, List<String>> copied, Map<String, List<String>> kept, long parameters) {
        /** For {@code run.json}. */
        public Map<String, Object> toMap(String from, String runId) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", from);
            m.put("runId", runId);
            m.put("parametersCopied", parameters);
            Map<String, Integer> counts = new LinkedHashMap<>();
            copied.forEach((n, l) -> counts.put(n, l.size()));
            m.put("layersCopied", counts);
            m.put("layersKept", kept);
            return m;
        }
    }

    /** Copies {@code from}'s parameters into {@code state}'s networks where they fit. */
    public static Report apply(TrainingState state, NetworkSet from) {
        Map<String, List<String>> copied = new LinkedHashMap<>();
        Map<String, List<String>> kept = new LinkedHashMap<>();
        long values = 0;
        for (String name : state.networks().names()) {
            if (state.networks().frozen(name) || !from.names().contains(name)) continue;
            ComputationGraph to = state.network(name);
            ComputationGraph source = from.get(name);
            List<String> c = new ArrayList<>();
            List<String> k = new ArrayList<>();
            for (Layer layer : to.getLayers()) {
                String layerName = layer.conf().getLayer().getLayerName();
                Map<String, INDArray> params = layer.paramTable();
                if (params.isEmpty()) continue;
                String why = fits(source, layerName, params);
                if (why != null) {
                    k.add(layerName + " (" + why + ")");
                    continue;
                }
                Map<String, INDArray> src = source.getLayer(layerName).paramTable();
                for (Map.Entry<String, INDArray> p : params.entrySet()) {
                    p.getValue().assign(src.get(p.getKey()).castTo(p.getValue().dataType()));
                    values += p.getValue().length();
                }
                c.add(layerName);
            }
            copied.put(name, c);
            kept.put(name, k);
        }
        return new Report(copied, kept, values);
    }

    /** Null when {@code source}'s layer of that name has the same parameters with the same shapes; else why not. */
    private static String fits(ComputationGraph source, String layerName, Map<String, INDArray> params) {
        if (!source.getConfiguration().getVertices().containsKey(layerName) || !source.getVertex(layerName).hasLayer()) {
            return "not in the run's network";
        }
        Map<String, INDArray> src = source.getLayer(layerName).paramTable();
        if (!src.keySet().equals(params.keySet())) return "parameters " + src.keySet() + " in the run, " + params.keySet() + " here";
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            long[] a = src.get(p.getKey()).shape();
            long[] b = p.getValue().shape();
            if (!Arrays.equals(a, b)) {
                return p.getKey() + " " + Arrays.toString(a) + " in the run, " + Arrays.toString(b) + " here";
            }
        }
        return null;
    }
}
