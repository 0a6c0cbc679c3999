package org.reidspark.eval;

import org.reidspark.config.Check;

import java.util.List;

/**
 * Distance between two embeddings; smaller is closer.
 * <ul>
 *   <li>{@link #COSINE}: {@code 1 - q.g / (|q| |g|)} (torchreid's {@code cosine_distance}; norms below 1e-12
 *       count as 1e-12, as {@code F.normalize} does), in [0, 2].</li>
 *   <li>{@link #EUCLIDEAN}: {@code sqrt(max(0, |q|^2 + |g|^2 - 2 q.g))}, the plain (not squared) distance of
 *       fast-reid; k-reciprocal re-ranking squares it, as the reference does.</li>
 * </ul>
 */
public enum Metric {
    COSINE("cosine"), EUCLIDEAN("euclidean");

    public static final List<String> NAMES = List.of("cosine", "euclidean");

    private final String configName;

    Metric(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Metric byName(String name) {
        return switch (name) {
            case "cosine" -> COSINE;
            case "euclidean" -> EUCLIDEAN;
            default -> throw Check.unknownName("distance metric", name, NAMES);
        };
    }

    @Override
    public String toString() {
        return configName;
    }
}
