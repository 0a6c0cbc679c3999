package org.reidspark.train;

import com.typesafe.config.Config;
import org.reidspark.config.Check;

/**
 * {@code reid.train}: how long to train and how often to log, evaluate and checkpoint.
 *
 * @param epochs          epochs in the run
 * @param logEvery        a progress line every this many steps
 * @param checkpointEvery a checkpoint every this many epochs (the last epoch always gets one)
 * @param evalEvery       evaluate every this many epochs; 0 = only after the last epoch
 * @param schedule        the learning-rate schedule
 */
public record TrainConfig(int epochs, int logEvery, int checkpointEvery, int evalEvery, LrSchedule schedule) implements java.io.Serializable {
    public TrainConfig {
        Check.positive("reid.train.epochs", epochs);
        Check.positive("reid.train.log-every", logEvery);
        Check.positive("reid.train.checkpoint-every", checkpointEvery);
        Check.nonNegative("reid.train.eval-every", evalEvery);
    }

    public static TrainConfig from(Config c) {
        Config t = c.getConfig("reid.train");
        return new TrainConfig(t.getInt("epochs"), t.getInt("log-every"), t.getInt("checkpoint-every"),
                t.getInt("eval-every"), LrSchedule.from(c));
    }
}
