package org.reidspark.train;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A method's base learning rates: one per trained network, and optionally a factor for single layers of a network
 * (DG-Net trains the re-ID heads at 10x the backbone's rate). The schedule's factor multiplies all of them except the
 * rates of networks marked unscheduled (CAL's clothes classifier: the official code never decays its optimizer); a
 * {@link Round} applies them before its steps. DL4J 1.0.0-M2.1 can give a layer its own rate only when no
 * BatchNormalization layer is at or after it in its updater block (a DL4J bug: heads after the last BatchNorm work);
 * otherwise {@link #apply} fails naming the layer.
 *
 * @param base         base rate per network name
 * @param layerFactors per network, a factor on its base rate per layer name
 * @param unscheduled  networks whose rate stays at its base whatever the schedule's factor
 */
public record LearningRates(Map<String, Double> base, Map<String, Map<String, Double>> layerFactors, Set<String> unscheduled)
        implements Serializable {
    /** Rates all multiplied by the schedule. */
    public LearningRates(Map<String, Double> base, Map<String, Map<String, Double>> layerFactors) {
        this(base, layerFactors, Set.of());
    }

    public LearningRates {
        Map<String, Double> rates = Collections.unmodifiableMap(new LinkedHashMap<>(base));
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Double>> e : layerFactors.entrySet()) {
            if (!rates.containsKey(e.getKey())) throw new IllegalArgumentException("layer learning rates for network "
                    + e.getKey() + ", which has no base rate; networks: " + rates.keySet());
            copy.put(e.getKey(), Collections.unmodifiableMap(new LinkedHashMap<>(e.getValue())));
        }
        base = rates;
        layerFactors = Collections.unmodifiableMap(copy);
        unscheduled = Collections.unmodifiableSet(new LinkedHashSet<>(unscheduled));
        for (String n : unscheduled) {
            if (!rates.containsKey(n)) throw new IllegalArgumentException("unscheduled network " + n + " has no base rate; networks: " + rates.keySet());
        }
        for (Map.Entry<String, Double> e : base.entrySet()) {
            if (!(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                throw new IllegalArgumentException("learning rate of network " + e.getKey() + " must be >= 0, got " + e.getValue());
            }
        }
    }

    /** One network at one rate. */
    public static LearningRates of(String network, double lr) {
        return new LearningRates(Map.of(network, lr), Map.of());
    }

    /** These rates with another network. */
    public LearningRates and(String network, double lr) {
        Map<String, Double> b = new LinkedHashMap<>(base);
        if (b.put(network, lr) != null) throw new IllegalArgumentException("network " + network + " already has a rate");
        return new LearningRates(b, layerFactors, unscheduled);
    }

    /** These rates with another network whose rate the schedule leaves at {@code lr}. */
    public LearningRates andUnscheduled(String network, double lr) {
        Set<String> u = new LinkedHashSet<>(unscheduled);
        u.add(network);
        return new LearningRates(and(network, lr).base, layerFactors, u);
    }

    /** These rates with layer {@code layer} of {@code network} at {@code factor} x the network's rate. */
    public LearningRates withLayer(String network, String layer, double factor) {
        Map<String, Map<String, Double>> f = new LinkedHashMap<>(layerFactors);
        Map<String, Double> layers = new LinkedHashMap<>(f.getOrDefault(network, Map.of()));
        layers.put(layer, factor);
        f.put(network, layers);
        return new LearningRates(base, f, unscheduled);
    }

    /**
     * Sets every network's (and listed layer's) rate to its base times {@code factor} (an unscheduled one's to its base).
     * A network whose layers all have their rates already is left as it is: DL4J rebuilds a network's whole updater
     * (and copies its state) on every change of rate, 30 ms a round for the main job's network, while the rates change
     * only when the schedule's factor does.
     */
    public void apply(NetworkSet networks, double scheduleFactor) {
        for (Map.Entry<String, Double> e : base.entrySet()) {
            double factor = unscheduled.contains(e.getKey()) ? 1.0 : scheduleFactor;
            ComputationGraph g = networks.trained(e.getKey());
            double lr = e.getValue() * factor;
            Map<String, Double> layers = layerFactors.getOrDefault(e.getKey(), Map.of());
            for (String layer : layers.keySet()) {
                if (!g.getConfiguration().getVertices().containsKey(layer)) {
                    throw new IllegalArgumentException("network " + e.getKey() + " has no layer " + layer);
                }
            }
            if (atRates(g, lr, layers)) continue;
            g.setLearningRate(lr);
            for (Map.Entry<String, Double> l : layers.entrySet()) {
                try {
                    g.setLearningRate(l.getKey(), lr * l.getValue());
                } catch (NullPointerException dl4j) {
                    throw new IllegalArgumentException("DL4J cannot give layer " + l.getKey() + " of network " + e.getKey()
                            + " a learning rate of its own: DL4J 1.0.0-M2.1 fails (NetworkUtils.rebuildUpdaterStateArray) when"
                            + " a BatchNormalization layer is at or after the layer in its updater block; layers after the"
                            + " network's last BatchNormalization (heads, classifiers) can have their own rate"
                            + " (docs/performance.md, DL4J facts)", dl4j);
                }
            }
        }
    }

    /**
     * Whether every layer of {@code g} that DL4J would give a rate already has {@code lr} (times its factor in
     * {@code layers}) as a fixed rate: no learning-rate schedule, on its weights' and its bias's updater. An updater of
     * a kind not known here counts as not at its rate.
     */
    static boolean atRates(ComputationGraph g, double lr, Map<String, Double> layers) {
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (!(l.conf().getLayer() instanceof BaseLayer b)) continue;
            Double layerFactor = layers.get(b.getLayerName());
            double target = layerFactor == null ? lr : lr * layerFactor;
            if (!fixedAt(b.getIUpdater(), target) || !fixedAt(b.getBiasUpdater(), target)) return false;
        }
        return true;
    }

    private static boolean fixedAt(IUpdater u, double target) {
        if (u == null || !u.hasLearningRate()) return true;
        ISchedule schedule;
        if (u instanceof Adam a) schedule = a.getLearningRateSchedule();
        else if (u instanceof Nesterovs n) schedule = n.getLearningRateSchedule();
        else if (u instanceof Sgd sgd) schedule = sgd.getLearningRateSchedule();
        else return false;
        return schedule == null && u.getLearningRate(0, 0) == target;
    }
}
