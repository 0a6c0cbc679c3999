package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A method's networks by name (BoT: {@code reid}; DG-Net: {@code appearance}, {@code structure},
 * {@code decoder}, {@code discriminator}, a frozen {@code teacher}; CAL: {@code reid}, {@code clothes}). Each DL4J
 * {@link ComputationGraph} carries its own optimizer (its updater and state), so "networks with their
 * optimizers" is one map. Each network has a {@link MergeRule}: {@link MergeRule#AVERAGE} (trained, averaged across
 * workers) or {@link MergeRule#FROZEN} (never trained: sent to each executor once, never averaged or sent back).
 * Insertion order is kept, so serialization and averaging are deterministic.
 */
public final class NetworkSet {
    private final Map<String, ComputationGraph> networks = new LinkedHashMap<>();
    private final Map<String, MergeRule> rules = new LinkedHashMap<>();

    /** Adds a trained network ({@link MergeRule#AVERAGE}). */
    public NetworkSet put(String name, ComputationGraph graph) {
        return put(name, graph, MergeRule.AVERAGE);
    }

    /** Adds a network with its merge rule: {@link MergeRule#AVERAGE} or {@link MergeRule#FROZEN}. */
    public NetworkSet put(String name, ComputationGraph graph, MergeRule rule) {
        if (networks.containsKey(name)) throw new IllegalArgumentException("network " + name + " already present");
        if (rule == MergeRule.BY_KEY) throw new IllegalArgumentException("a network cannot merge by key: " + name);
        networks.put(name, graph);
        rules.put(name, rule);
        return this;
    }

    /** The merge rule of network {@code name}. */
    public MergeRule rule(String name) {
        get(name);
        return rules.get(name);
    }

    /** Whether network {@code name} is frozen. */
    public boolean frozen(String name) {
        return rule(name) == MergeRule.FROZEN;
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

    /** The trained network called {@code name}; an error for a frozen one, which has no learning rate. */
    public ComputationGraph trained(String name) {
        if (frozen(name)) throw new IllegalArgumentException("network " + name + " is frozen: it has no learning rate");
        return get(name);
    }
}
