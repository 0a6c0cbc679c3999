package org.reidspark.train;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;

import java.util.List;

/**
 * {@code reid.train.schedule}: the learning rate as a function of training progress, with a linear warm-up
 * (BoT, https://arxiv.org/abs/1903.07071: from {@code warmup-factor} x base to base over {@code warmup-epochs},
 * stepped per epoch as its code does) followed by multi-step decay ({@code gamma} at each milestone epoch)
 * or cosine annealing to {@code min-factor} x base at {@code epochs}, starting at {@code cosine-start} (held at the base
 * rate from the end of warm-up until then, fast-reid's {@code DELAY_ITERS}, which DCR's recipe sets to epoch 35 of 70).
 *
 * @param kind          {@code warmup-multistep} or {@code warmup-cosine}
 * @param warmupEpochs  epochs of warm-up (0 = none)
 * @param warmupFactor  the fraction of the base rate warm-up starts from
 * @param milestones    epochs at which multistep multiplies the rate by {@code gamma}
 * @param gamma         multistep decay factor
 * @param minFactor     cosine's final fraction of the base rate
 * @param cosineStart   the epoch cosine annealing starts at; at most the end of warm-up means right after it
 */
public record LrSchedule(String kind, int warmupEpochs, double warmupFactor, List<Integer> milestones,
                         double gamma, double minFactor, int cosineStart) implements java.io.Serializable {
    public static final List<String> KINDS = List.of("warmup-multistep", "warmup-cosine");

    public LrSchedule {
        if (!KINDS.contains(kind)) throw Check.unknownName("reid.train.schedule.kind", kind, KINDS);
        Check.nonNegative("reid.train.schedule.warmup-epochs", warmupEpochs);
        Check.inRange("reid.train.schedule.warmup-factor", warmupFactor, 0.0, 1.0);
        Check.inRange("reid.train.schedule.gamma", gamma, 0.0, 1.0);
        Check.inRange("reid.train.schedule.min-factor", minFactor, 0.0, 1.0);
        Check.nonNegative("reid.train.schedule.cosine-start", cosineStart);
        milestones = List.copyOf(milestones);
        for (int i = 0; i < milestones.size(); i++) {
            if (milestones.get(i) <= 0 || (i > 0 && milestones.get(i) <= milestones.get(i - 1))) {
                throw new ConfigError("config key 'reid.train.schedule.milestones': bad value " + milestones
                        + ", expected increasing positive epochs");
            }
        }
    }

    /** A schedule whose cosine annealing, if any, starts right after warm-up. */
    public LrSchedule(String kind, int warmupEpochs, double warmupFactor, List<Integer> milestones, double gamma, double minFactor) {
        this(kind, warmupEpochs, warmupFactor, milestones, gamma, minFactor, 0);
    }

    public static LrSchedule from(Config c) {
        Config s = c.getConfig("reid.train.schedule");
        return new LrSchedule(s.getString("kind"), s.getInt("warmup-epochs"), s.getDouble("warmup-factor"),
                s.getIntList("milestones"), s.getDouble("gamma"), s.getDouble("min-factor"), s.getInt("cosine-start"));
    }

    /**
     * The multiplier of the base learning rate at {@code epoch} (0-based) with {@code epochs} in total.
     * Constant within an epoch, as BoT's WarmupMultiStepLR stepped per epoch.
     */
    public double factor(int epoch, int epochs) {
        if (epoch < warmupEpochs) {
            double alpha = (double) epoch / warmupEpochs;
            return warmupFactor * (1 - alpha) + alpha;
        }
        return switch (kind) {
            case "warmup-multistep" -> {
                int passed = 0;
                for (int m : milestones) if (epoch >= m) passed++;
                yield Math.pow(gamma, passed);
            }
            case "warmup-cosine" -> {
                int start = Math.max(warmupEpochs, cosineStart);
                if (epoch < start) yield 1.0;
                int span = Math.max(1, epochs - start);
                double t = Math.min(1.0, (double) (epoch - start) / span);
                yield minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * t));
            }
            default -> throw new IllegalStateException(kind);
        };
    }
}
