package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a method's {@link Step} in this JVM: epochs of batches from a {@link BatchSource}, the learning-rate
 * schedule, periodic evaluation, checkpoints of the whole {@link TrainingState} (a resumed run continues the
 * same schedule and data), a NaN/Inf guard that stops with a clear message and keeps the last good
 * checkpoint, and a progress line (epoch, step, loss terms, images/s, ETA).
 */
public final class LocalTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTrainer.class);

    /** Evaluates the state after an epoch; returns metrics by name (e.g. mAP, rank1). */
    public interface Evaluator {
        Map<String, Double> evaluate(TrainingState state, int epoch) throws IOException;
    }

    /** One epoch of the training curve. */
    public record EpochRecord(int epoch, double lrFactor, Map<String, Double> meanLosses, double imagesPerSecond,
                              double seconds, Map<String, Double> metrics) {
    }

    private final TrainConfig config;
    private final long seed;
    private final Checkpoints checkpoints;
    private final Evaluator evaluator;

    /**
     * @param checkpoints where checkpoints go, or null for none
     * @param evaluator   periodic evaluation, or null for none
     */
    public LocalTrainer(TrainConfig config, long seed, Checkpoints checkpoints, Evaluator evaluator) {
        this.config = config;
        this.seed = seed;
        this.checkpoints = checkpoints;
        this.evaluator = evaluator;
    }

    /**
     * Trains {@code state} from its current epoch to {@code config.epochs()}.
     *
     * @param baseLr base learning rate per network name (multiplied by the schedule's factor each epoch)
     * @return the curve of the epochs run here
     */
    public List<EpochRecord> train(TrainingState state, Step step, Map<String, Double> baseLr, BatchSource source)
            throws IOException {
        List<EpochRecord> curve = new ArrayList<>();
        int perEpoch = source.batchesPerEpoch();
        long totalSteps = (long) perEpoch * (config.epochs() - state.epoch());
        long stepsDone = 0;
        long trainStart = System.nanoTime();
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            double factor = config.schedule().factor(epoch, config.epochs());
            for (Map.Entry<String, Double> e : baseLr.entrySet()) {
                state.networks().setLearningRate(e.getKey(), e.getValue() * factor);
            }
            Map<String, Double> sums = new TreeMap<>();
            long images = 0;
            long epochStart = System.nanoTime();
            Iterator<Batch> batches = source.epoch(epoch);
            int stepInEpoch = 0;
            while (batches.hasNext()) {
                Batch batch = batches.next();
                StepContext ctx = new StepContext(epoch, config.epochs(), state.iteration(), factor,
                        mix(seed, state.iteration()));
                Map<String, Double> losses = step.apply(batch, state, ctx);
                Guards.checkLosses(losses, "epoch " + (epoch + 1) + ", step " + (stepInEpoch + 1) + " (iteration " + state.iteration() + ")", checkpoints);
                state.advanceIteration();
                stepInEpoch++;
                stepsDone++;
                images += batch.size();
                losses.forEach((k, v) -> sums.merge(k, v, Double::sum));
                if (stepInEpoch % config.logEvery() == 0 || stepInEpoch == perEpoch) {
                    double elapsed = (System.nanoTime() - epochStart) / 1e9;
                    double perStep = (System.nanoTime() - trainStart) / 1e9 / stepsDone;
                    LOG.info("epoch {}/{} step {}/{} {} | {} img/s | lr x{} | ETA {}", epoch + 1, config.epochs(),
                            stepInEpoch, perEpoch, Guards.format(losses), String.format("%.1f", images / elapsed),
                            String.format("%.3g", factor), Guards.eta(perStep * (totalSteps - stepsDone)));
                }
            }
            if (stepInEpoch == 0) throw new IllegalStateException("epoch " + epoch + " produced no batches");
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            Map<String, Double> means = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : sums.entrySet()) means.put(e.getKey(), e.getValue() / stepInEpoch);
            Map<String, Double> metrics = endEpoch(state, epoch, config, checkpoints, evaluator);
            curve.add(new EpochRecord(epoch, factor, means, images / seconds, seconds, metrics));
        }
        return curve;
    }

    /**
     * What every trainer does when epoch {@code epoch} (0-based) ends: records the position, checkpoints the whole
     * state when due ({@code checkpoint-every}, and after the last epoch) once the parameters pass the NaN/Inf guard,
     * and evaluates when due ({@code eval-every}, and after the last epoch). An evaluator may return no metrics for an
     * epoch it leaves to its caller (the train job evaluates the last one itself); nothing is logged then.
     *
     * @param checkpoints null for none
     * @param evaluator   null for none
     * @return the epoch's metrics; empty when none were computed
     */
    public static Map<String, Double> endEpoch(TrainingState state, int epoch, TrainConfig config, Checkpoints checkpoints,
                                               Evaluator evaluator) throws IOException {
        state.setPosition(epoch + 1, state.iteration());
        boolean last = epoch + 1 == config.epochs();
        if (checkpoints != null && (last || (epoch + 1) % config.checkpointEvery() == 0)) {
            Guards.checkParameters(state, "after epoch " + (epoch + 1), checkpoints);
            checkpoints.save(state);
        }
        if (evaluator == null || !(last || (config.evalEvery() > 0 && (epoch + 1) % config.evalEvery() == 0))) return Map.of();
        Map<String, Double> metrics = evaluator.evaluate(state, epoch);
        if (!metrics.isEmpty()) LOG.info("epoch {}/{} evaluation: {}", epoch + 1, config.epochs(), Guards.format(metrics));
        return metrics;
    }

    /** A well-mixed 64-bit seed from (run seed, counter) (SplitMix64 finalizer). */
    public static long mix(long seed, long counter) {
        long z = seed * 0x9E3779B97F4A7C15L + counter + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
