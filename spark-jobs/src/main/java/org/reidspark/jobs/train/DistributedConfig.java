package org.reidspark.jobs.train;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.distributed}: parameter averaging across Spark executors.
 *
 * @param workers        identity shards trained in parallel, one Spark task each
 * @param averagingSteps local steps each worker takes between two averagings
 * @param lrScaling      how base learning rates scale with the number of workers: none, linear or sqrt
 * @param faultRound     for resilience tests: the first attempt of worker 0's task in this round fails (-1 = never)
 */
public record DistributedConfig(int workers, int averagingSteps, String lrScaling, int faultRound) {
    public DistributedConfig {
        Check.positive("reid.distributed.workers", workers);
        Check.positive("reid.distributed.averaging-steps", averagingSteps);
        Check.oneOf("reid.distributed.lr-scaling", lrScaling, "none", "linear", "sqrt");
    }

    public static DistributedConfig from(Config c) {
        Config d = c.getConfig("reid.distributed");
        return new DistributedConfig(d.getInt("workers"), d.getInt("averaging-steps"), d.getString("lr-scaling"),
                d.getInt("fault-round"));
    }

    /** The factor on base learning rates for {@code n} workers. */
    public double lrScale(int n) {
        return switch (lrScaling) {
            case "linear" -> n;
            case "sqrt" -> Math.sqrt(n);
            default -> 1.0;
        };
    }
}
