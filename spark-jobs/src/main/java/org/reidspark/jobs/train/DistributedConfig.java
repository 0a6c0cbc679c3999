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
 * @param exchange       what a round moves: {@code full} (the whole trainable state both ways in fp32, optimizer state
 *                       averaged) or {@code compact} (parameters out in fp32, each worker's change back in fp16, each
 *                       worker keeps its own optimizer state)
 * @param optimizerEvery compact only: every this many rounds the workers' optimizer states are averaged too (their
 *                       whole state comes back, and the average goes out with the next round's parameters); 0 = never
 * @param rounds         how rounds run: {@code resident} (one long-lived task per worker exchanging rounds with the
 *                       driver over a socket, {@link ResidentWorkers}) or {@code jobs} (a Spark job per round)
 * @param port           resident rounds: the driver's port the workers connect to (0 = any free port)
 */
public record DistributedConfig(int workers, int averagingSteps, String lrScaling, int faultRound, String exchange,
                                int optimizerEvery, String rounds, int port) {
    public DistributedConfig {
        Check.positive("reid.distributed.workers", workers);
        Check.positive("reid.distributed.averaging-steps", averagingSteps);
        Check.oneOf("reid.distributed.lr-scaling", lrScaling, "none", "linear", "sqrt");
        Check.oneOf("reid.distributed.exchange", exchange, "full", "compact");
        Check.nonNegative("reid.distributed.optimizer-every", optimizerEvery);
        Check.oneOf("reid.distributed.rounds", rounds, "resident", "jobs");
        Check.inRange("reid.distributed.port", port, 0, 65535);
    }

    /** The full exchange, resident rounds. */
    public DistributedConfig(int workers, int averagingSteps, String lrScaling, int faultRound) {
        this(workers, averagingSteps, lrScaling, faultRound, "full", 0);
    }

    /** Resident rounds on any free port. */
    public DistributedConfig(int workers, int averagingSteps, String lrScaling, int faultRound, String exchange,
                             int optimizerEvery) {
        this(workers, averagingSteps, lrScaling, faultRound, exchange, optimizerEvery, "resident", 0);
    }

    /** This configuration with rounds run as {@code rounds} ({@code resident} or {@code jobs}). */
    public DistributedConfig withRounds(String rounds) {
        return new DistributedConfig(workers, averagingSteps, lrScaling, faultRound, exchange, optimizerEvery, rounds, port);
    }

    public static DistributedConfig from(Config c) {
        Config d = c.getConfig("reid.distributed");
        return new DistributedConfig(d.getInt("workers"), d.getInt("averaging-steps"), d.getString("lr-scaling"),
                d.getInt("fault-round"), d.getString("exchange"), d.getInt("optimizer-every"), d.getString("rounds"),
                d.getInt("port"));
    }

    /** Whether rounds run in long-lived worker tasks ({@link ResidentWorkers}) rather than a Spark job each. */
    public boolean resident() {
        return rounds.equals("resident");
    }

    /** Whether rounds use the compact exchange. */
    public boolean compact() {
        return exchange.equals("compact");
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
