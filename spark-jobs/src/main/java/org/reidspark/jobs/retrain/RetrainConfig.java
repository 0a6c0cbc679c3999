package org.reidspark.jobs.retrain;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.jobs.OutputLocation;
import org.reidspark.registry.GateRule;

import java.time.Duration;
import java.util.List;

/**
 * {@code reid.retrain}: the scheduled re-training pipeline's registry, pinned holdout, collection and rules.
 *
 * @param registry    the registry prefix (local folder or URI)
 * @param holdout     the published shard set whose query and gallery every candidate and champion are evaluated on;
 *                    pinned at the pipeline's first run (required by the pipeline, not by the registry job)
 * @param collection  the image prefix re-embedded by every new champion; empty for none
 * @param warmStart   {@code champion} (a candidate starts from the champion's weights) or {@code scratch}
 * @param gate        the rule a candidate passes to be promoted
 * @param leaseTtl    how long the registry's lease lives without a renewal
 * @param leaseSettle how long a process waits before reading a lease it wrote back
 * @param hashThreads readers hashing new or changed images
 * @param statusFile  where every run writes its status (local path or URI); empty for none
 */
public record RetrainConfig(String registry, String holdout, String collection, String warmStart, GateRule gate,
                            Duration leaseTtl, Duration leaseSettle, int hashThreads, String statusFile) {
    /** The {@code warmStart} values. */
    public static final List<String> WARM_STARTS = List.of("champion", "scratch");

    public RetrainConfig {
        if (registry.isBlank()) {
            throw ConfigError.badValue("reid.retrain.registry", registry, "the registry's prefix, e.g. s3a://bucket/reid/registry");
        }
        OutputLocation.check("reid.retrain.registry", registry, "s3a://bucket/reid/registry");
        Check.oneOf("reid.retrain.warm-start", warmStart, WARM_STARTS.toArray(String[]::new));
        Check.positive("reid.retrain.lease.ttl-seconds", (int) leaseTtl.toSeconds());
        Check.nonNegative("reid.retrain.lease.settle-ms", (int) leaseSettle.toMillis());
        if (leaseSettle.compareTo(leaseTtl.dividedBy(3)) >= 0) {
            throw ConfigError.badValue("reid.retrain.lease.settle-ms", leaseSettle.toMillis(),
                    "less than a third of reid.retrain.lease.ttl-seconds (" + leaseTtl.toSeconds() + " s)");
        }
        Check.positive("reid.retrain.hash-threads", hashThreads);
    }

    /** The holdout, which the pipeline needs (the registry job does not). */
    public String requireHoldout() {
        if (holdout.isBlank()) {
            throw ConfigError.badValue("reid.retrain.holdout", holdout, "a published shard set with query and gallery images"
                    + " of people never trained on (submit/reid shard --output ...), e.g. s3a://bucket/reid/holdout");
        }
        return holdout;
    }

    public static RetrainConfig from(Config c) {
        Config r = c.getConfig("reid.retrain");
        return new RetrainConfig(r.getString("registry"), r.getString("holdout"), r.getString("collection"),
                r.getString("warm-start"), new GateRule(r.getDouble("gate.map-tolerance"), r.getDouble("gate.rank1-margin")),
                Duration.ofSeconds(r.getLong("lease.ttl-seconds")), Duration.ofMillis(r.getLong("lease.settle-ms")),
                r.getInt("hash-threads"), r.getString("status-file"));
    }
}
