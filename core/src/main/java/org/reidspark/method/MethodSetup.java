package org.reidspark.method;

import com.typesafe.config.Config;
import org.reidspark.artifact.Storage;

/**
 * What a method needs to build its networks and step.
 *
 * @param config          the run's resolved config (the method reads its own section)
 * @param trainIdentities training classes (relabelled pids)
 * @param clothesClasses  clothes classes over the dataset (0 when none)
 * @param seed            the run seed
 * @param storage         reads pretrained weights (local or Hadoop URIs)
 */
public record MethodSetup(Config config, int trainIdentities, int clothesClasses, long seed, Storage storage) {
    public MethodSetup {
        if (trainIdentities < 2) {
            throw new IllegalArgumentException("training needs at least 2 identities, got " + trainIdentities);
        }
    }
}
