package org.reidspark.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The epoch loop both trainers share: for each epoch from the state's position to {@code reid.train.epochs}, the
 * schedule's learning-rate factor, the trainer's rounds (a {@link LocalTrainer} runs rounds of its batches in this
 * JVM, the Spark trainer one averaging round across its workers at a time), the NaN/Inf guard on every round, one
 * progress line per round (loss terms, images/s, learning-rate factor, ETA), then the end of the epoch: position,
 * evaluation and checkpoint when due ({@link #endEpoch}), and the epoch's record for {@code curve.json}, kept in the
 * state (and so in its checkpoints) so that a resumed run's curve has every epoch.
 */
public final class EpochLoop {
    private static final Logger LOG = LoggerFactory.getLogger(EpochLoop.class);

    /** Evaluates the state after an epoch; returns metrics by name (e.g. mAP, rank1). */
    public interface Evaluator {
        Map<String, Double> evaluate(TrainingState state, int epoch) throws IOException;
    }

    /** How a trainer runs the rounds of an epoch. */
    public interface Rounds {
        /** Rounds in an epoch, or an estimate where epochs differ in length (for the ETA). */
        int roundsPerEpoch();

        /**
         * Prepares epoch {@code epoch} (0-based) before its first round, given the state as the epoch begins: a trainer
         * runs its step's {@link Step#startEpoch} here, on the driver.
         */
        default void startEpoch(TrainingState state, int epoch) throws IOException {
        }

        /**
         * Runs round {@code round} (0-based) of {@code epoch} on {@code state} at {@code lrFactor}; null when the
         * epoch has no more rounds.
         */
        Outcome run(TrainingState state, int epoch, int round, double lrFactor) throws IOException;
    }

    /**
     * One round as the trainer ran it.
     *
     * @param result           the steps' losses and counts
     * @param position         the round's place for the progress line, e.g. {@code step 20/32} or {@code round 3/7}
     * @param detail           what the trainer adds to the progress line ({@code ""} for none)
     * @param computeSeconds   time in the steps (the slowest worker's), or NaN where not measured apart
     * @param broadcastBytes   bytes of the state sent to each worker, or -1 where nothing is sent
     */
    public record Outcome(Round.Result result, String position, String detail, double computeSeconds, long broadcastBytes) {
    }

    /**
     * One epoch of the training curve. The compute, averaging and broadcast figures are those of the Spark trainer
     * (absent from a local run's curve).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EpochRecord(int epoch, double lrFactor, Map<String, Double> meanLosses, double imagesPerSecond,
                              double seconds, Double computeSeconds, Double averagingSeconds, Long broadcastBytes,
                              Map<String, Double> metrics) {
    }

    private final TrainConfig config;
    private final Checkpoints checkpoints;
    private final Evaluator evaluator;

    /**
     * @param checkpoints where checkpoints go, or null for none
     * @param evaluator   periodic evaluation, or null for none
     */
    public EpochLoop(TrainConfig config, Checkpoints checkpoints, Evaluator evaluator) {
        this.config = config;
        this.checkpoints = checkpoints;
        this.evaluator = evaluator;
    }

    /**
     * Trains {@code state} from its current epoch to the last; returns the whole curve (the state keeps it, with the
     * epochs before a resume).
     */
    public List<EpochRecord> run(TrainingState state, Rounds rounds) throws IOException {
        int perEpoch = rounds.roundsPerEpoch();
        long totalRounds = (long) perEpoch * (config.epochs() - state.epoch());
        long roundsDone = 0;
        long start = System.nanoTime();
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            double factor = config.schedule().factor(epoch, config.epochs());
            rounds.startEpoch(state, epoch);
            Round.Result sum = new Round.Result();
            double compute = 0;
            long bytes = -1;
            long epochStart = System.nanoTime();
            for (int r = 0; ; r++) {
                long roundStart = System.nanoTime();
                Outcome o = rounds.run(state, epoch, r, factor);
                if (o == null) break;
                Guards.checkRound(o.result(), "epoch " + (epoch + 1) + ", " + o.position(), checkpoints);
                double wall = (System.nanoTime() - roundStart) / 1e9;
                sum.combine(o.result());
                compute += o.computeSeconds();
                bytes = o.broadcastBytes();
                roundsDone++;
                double perRound = (System.nanoTime() - start) / 1e9 / roundsDone;
                long left = Math.max(0, totalRounds - roundsDone);
                LOG.info("epoch {}/{} {} {} | {} img/s{} | lr x{} | ETA {}", epoch + 1, config.epochs(), o.position(),
                        Guards.format(o.result().meanLosses()), String.format("%.1f", o.result().images() / wall),
                        o.detail(), String.format("%.3g", factor), Guards.eta(perRound * left));
            }
            if (sum.steps() == 0) throw new IllegalStateException("epoch " + epoch + " produced no batches");
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            boolean distributed = bytes >= 0;
            double computeSeconds = compute;
            long broadcast = bytes;
            int done = epoch;
            endEpoch(state, epoch, config, checkpoints, evaluator, metrics -> new EpochRecord(done, factor, sum.meanLosses(),
                    sum.images() / seconds, seconds, distributed ? computeSeconds : null,
                    distributed ? Math.max(0, seconds - computeSeconds) : null, distributed ? broadcast : null, metrics));
        }
        return state.curve();
    }

    /**
     * What every trainer does when epoch {@code epoch} (0-based) ends: records the position; when a checkpoint is due
     * ({@code checkpoint-every}, and after the last epoch) checks the parameters with the NaN/Inf guard; evaluates when
     * due ({@code eval-every}, and after the last epoch); adds the epoch's record (with the metrics) to the state's
     * curve; then checkpoints the whole state, curve included. An evaluator may return no metrics for an epoch it
     * leaves to its caller (the train job evaluates the last one itself); nothing is logged then.
     *
     * @param checkpoints null for none
     * @param evaluator   null for none
     * @param record      the epoch's record, given its metrics (empty when none were computed)
     */
    static void endEpoch(TrainingState state, int epoch, TrainConfig config, Checkpoints checkpoints, Evaluator evaluator,
                         java.util.function.Function<Map<String, Double>, EpochRecord> record) throws IOException {
        state.setPosition(epoch + 1, state.iteration());
        boolean last = epoch + 1 == config.epochs();
        boolean checkpoint = checkpoints != null && (last || (epoch + 1) % config.checkpointEvery() == 0);
        if (checkpoint) Guards.checkParameters(state, "after epoch " + (epoch + 1), checkpoints);
        Map<String, Double> metrics = Map.of();
        if (evaluator != null && (last || (config.evalEvery() > 0 && (epoch + 1) % config.evalEvery() == 0))) {
            metrics = evaluator.evaluate(state, epoch);
            if (!metrics.isEmpty()) LOG.info("epoch {}/{} evaluation: {}", epoch + 1, config.epochs(), Guards.format(metrics));
        }
        state.addEpoch(record.apply(metrics));
        if (checkpoint) checkpoints.save(state);
    }
}
