package org.reidspark.run;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.train.NetworkBytes;
import org.reidspark.train.NetworkSet;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A method's test network in a form Spark can ship to executors (one broadcast): the {@link Method} with its settings
 * and its trained networks without optimizer state ({@link NetworkBytes}). {@link #open()} restores the networks and
 * makes the {@link TestNetwork} (once per task: graphs are not thread-safe).
 *
 * @param method   the method, with its settings
 * @param networks {@link NetworkBytes} per trained network name
 */
public record TestModel(Method method, Map<String, byte[]> networks) implements Serializable {
    public TestModel {
        networks = Collections.unmodifiableMap(new LinkedHashMap<>(networks));
    }

    /** The trained (not frozen) networks of {@code set}, serialized. */
    public static TestModel of(Method method, NetworkSet set) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (Map.Entry<String, ComputationGraph> e : set.asMap().entrySet()) {
            if (set.frozen(e.getKey())) continue;
            bytes.put(e.getKey(), NetworkBytes.toBytes(e.getValue(), false));
        }
        return new TestModel(method, bytes);
    }

    /** Restores the networks and makes the method's test network over them. */
    public TestNetwork open() {
        return method.testNetwork(networkSet());
    }

    /** Restores the networks (new graphs on every call: one set per task). */
    public NetworkSet networkSet() {
        NetworkSet set = new NetworkSet();
        for (Map.Entry<String, byte[]> e : networks.entrySet()) {
            try {
                set.put(e.getKey(), NetworkBytes.fromBytes(e.getValue()));
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot restore network " + e.getKey(), ex);
            }
        }
        return set;
    }

    /** Bytes of the serialized networks. */
    public long bytes() {
        return networks.values().stream().mapToLong(b -> b.length).sum();
    }
}
