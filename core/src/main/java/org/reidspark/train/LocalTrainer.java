package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * Runs a method's {@link Step} in this JVM: epochs of batches from a {@link BatchSource}, each cut into
 * {@link Round}s of {@code reid.train.log-every} steps, inside the {@link EpochLoop} the Spark trainer shares
 * (learning-rate schedule, a NaN/Inf guard that stops with a clear message and keeps the last good checkpoint,
 * a progress line per round, periodic evaluation, checkpoints of the whole {@link TrainingState}: a resumed run
 * continues the same schedule and data).
 */
public final class LocalTrainer {
    private final TrainConfig config;
    private final long seed;
    private final Checkpoints checkpoints;
    private final EpochLoop.Evaluator evaluator;

    /**
     * @param seed        the run seed (each step's context seed derives from it and the iteration)
     * @param checkpoints where checkpoints go, or null for none
     * @param evaluator   periodic evaluation, or null for none
     */
    public LocalTrainer(TrainConfig config, long seed, Checkpoints checkpoints, EpochLoop.Evaluator evaluator) {
        this.config = config;
        this.seed = seed;
        this.checkpoints = checkpoints;
        this.evaluator = evaluator;
    }

    /**
     * Trains {@code state} from its current epoch to {@code config.epochs()}.
     *
     * @param rates the method's base learning rates (the schedule multiplies them each epoch)
     * @return the curve of the epochs run here
     */
    public List<EpochLoop.EpochRecord> train(TrainingState state, Step step, LearningRates rates, BatchSource source)
            throws IOException {
        int perEpoch = source.batchesPerEpoch();
        int perRound = config.logEvery();
        Round round = new Round(step, rates, config.epochs(), perEpoch);
        return new EpochLoop(config, checkpoints, evaluator).run(state, new EpochLoop.Rounds() {
            private Iterator<Batch> batches;
            private int done;
            private int inEpoch;

            @Override
            public int roundsPerEpoch() {
                return (perEpoch + perRound - 1) / perRound;
            }

            @Override
            public void startEpoch(TrainingState s, int epoch) {
                step.startEpoch(s, epoch, null); // no workers: the driver does it all
                batches = source.epoch(epoch);
                inEpoch = source.batchesInEpoch(epoch);
                done = 0;
            }

            @Override
            public EpochLoop.Outcome run(TrainingState s, int epoch, int r, double lrFactor) {
                if (!batches.hasNext()) return null;
                Round.Result result = round.run(s, epoch, lrFactor, batches, perRound, seed, null);
                done += (int) result.steps();
                return new EpochLoop.Outcome(result, "step " + done + "/" + inEpoch, "", Double.NaN, -1);
            }
        });
    }
}
