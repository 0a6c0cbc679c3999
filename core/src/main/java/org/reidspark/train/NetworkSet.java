package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A method's networks by name (BoT: {@code reid}; DG-Net: {@code appearance}, {@code structure},
 * {@code decoder}, {@code discriminator}; CAL: {@code reid}, {@code clothes}). Each DL4J
 * {@link ComputationGraph} carries its own optimizer (its updater and state), so "networks with their
 * optimizers" is one map. Insertion order is kept, so serialization and averaging are deterministic.
 */
public final class NetworkSet {
    private final Map<String, ComputationGraph> networks = new LinkedHashMap<>();

    public NetworkSet put(String name, ComputationGraph graph) {
        if (networks.containsKey(name)) throw new IllegalArgumentException("network " + name + " already present");
        networks.put(name, graph);
        return this;
    }

    /** The network called {@code name}, or an error listing the names there are. */
    public ComputationGraph get(String name) {
        ComputationGraph g = networks.get(name);
        if (g == null) throw new IllegalArgumentException("no network \"" + name + "\"; networks: " + networks.keySet());
        return g;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(networks.keySet());
    }

    public Map<String, ComputationGraph> asMap() {
        return Collections.unmodifiableMap(networks);
    }

    /** Total number of parameters over all networks. */
    public long parameterCount() {
        long n = 0;
        for (ComputationGraph g : networks.values()) n += g.numParams();
        return n;
    }

    /** Sets the learning rate of every layer of one network (schedules call this before each step). */
    public void setLearningRate(String name, double lr) {
        get(name).setLearningRate(lr);
    }
}
