package org.reidspark.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AveragingTrafficTest {
    // TrainingStateTest's state: dense 4->5 (20 weights + 5 biases), batch norm over 5 (gamma, beta trainable; mean,
    // variance among the parameters but not updated by Adam), output 5->3 (15 + 3); centers 3x2 AVERAGE, teacher
    // 2x2 FROZEN, bank 3 keys x 2.
    private static final long PARAMS = 25 + 4 * 5 + 18;
    private static final long TRAINABLE = 25 + 2 * 5 + 18;

    @Test
    void countsEveryPartOfTheStateByItsMergeRule() {
        TrainingState s = TrainingStateTest.state(1);
        AveragingTraffic fresh = AveragingTraffic.of(s);
        assertEquals(PARAMS, fresh.parameters());
        assertEquals(2 * TRAINABLE, fresh.optimizerValues(), "Adam: two moments per trainable parameter");
        assertEquals(6 + 6, fresh.mergedAux(), "centers (AVERAGE) and the keyed bank's rows come back");
        assertEquals(4, fresh.frozen(), "the frozen teacher is sent once, not every round");
        assertEquals(4, fresh.bytesPerValue());
        assertEquals(4 * 4, fresh.frozenBytes());
        assertEquals(4 * (PARAMS + 2 * TRAINABLE + 12), fresh.broadcastBytes());
        assertEquals(4 * (PARAMS + 2 * TRAINABLE + 12), fresh.returnedBytes());
        // training does not change the sizes: the optimizer state counted before the first step is the one it creates
        TrainingStateTest.fitOnce(s.network("net"), 3);
        assertEquals(fresh, AveragingTraffic.of(s));
        assertEquals(2 * TRAINABLE, s.network("net").getUpdater().getStateViewArray().length());
    }

    @Test
    void allReduceMovesTwoTimesNMinusOneOverNOfTheParametersAndTheStepsForAFractionAreTheFewest() {
        AveragingTraffic t = new AveragingTraffic(1000, 2000, 0, 0, 4);
        assertEquals(0, t.allReduceBytesPerStep(1), "one worker: nothing to reduce");
        assertEquals(4_000, t.allReduceBytesPerStep(2), "2 x 1/2 x 1000 x 4 B");
        assertEquals(7_500, t.allReduceBytesPerStep(16), "2 x 15/16 x 1000 x 4 B");
        assertThrows(IllegalArgumentException.class, () -> t.allReduceBytesPerStep(0));
        // 1 s of communication, 0.1 s steps: K steps give 1 / (1 + 0.1 K) <= 0.1 from K = 90 on
        assertEquals(90, AveragingTraffic.stepsForFraction(1.0, 0.1, 0.1));
        for (double comm : new double[]{0.01, 0.37, 2.5, 31.4}) {
            int k = AveragingTraffic.stepsForFraction(comm, 0.15, 0.1);
            assertTrue(comm / (comm + k * 0.15) <= 0.1 + 1e-12, comm + " at K=" + k);
            assertTrue(k == 1 || comm / (comm + (k - 1) * 0.15) > 0.1, comm + ": K=" + k + " is the fewest");
        }
        assertThrows(IllegalArgumentException.class, () -> AveragingTraffic.stepsForFraction(1, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> AveragingTraffic.stepsForFraction(1, 0.1, 1));
    }

    @Test
    void aRoundSendsTheStateToEveryWorkerAndEveryStateBack() {
        AveragingTraffic t = new AveragingTraffic(1000, 2000, 0, 500, 4); // 12,000 B each way per round, 2,000 B frozen once
        assertEquals(2_000, t.frozenBytes());
        assertEquals(12_000, t.broadcastBytes(), "the frozen values are not in the round");
        AveragingTraffic.Round direct = t.round(2, 2);
        assertEquals(24_000, direct.broadcastBytes());
        assertEquals(24_000, direct.workerBytes());
        assertEquals(0, direct.treeToDriverBytes(), "both states go straight to the driver");
        assertEquals(24_000, direct.driverInBytes());
        assertEquals(48_000, direct.totalBytes());
        assertEquals(12_000 + 24_000, direct.serialMinBytes());
        assertEquals(24_000 + 24_000, direct.serialMaxBytes());

        AveragingTraffic.Round tree = t.round(16, 4);
        assertEquals(16 * 12_000, tree.broadcastBytes());
        assertEquals(16 * 12_000, tree.workerBytes(), "every state crosses the shuffle");
        assertEquals(4 * 12_000, tree.treeToDriverBytes(), "four partial sums reach the driver");
        assertEquals(4 * 12_000, tree.treeLevelInBytes(), "each of the 4 executors of the level sums 4 states");
        assertEquals(16 * 12_000 + 16 * 12_000 + 4 * 12_000, tree.totalBytes());
        assertEquals(12_000 + 4 * 12_000 + 4 * 12_000, tree.serialMinBytes());
        assertEquals(16 * 12_000 + 4 * 12_000 + 4 * 12_000, tree.serialMaxBytes());
        assertEquals(2 * 12_000, t.round(9, 5).treeLevelInBytes(), "9 states over 5 executors: at most 2 into one");

        assertThrows(IllegalArgumentException.class, () -> t.round(2, 3));
        assertThrows(IllegalArgumentException.class, () -> t.round(0, 0));
    }

    @Test
    void theCompactExchangeSendsNoOptimizerStateAndHalfPrecisionChangesBack() {
        // 1000 parameters, 2000 Adam values, 100 merged values of which 40 keyed rows, 500 frozen
        AveragingTraffic t = new AveragingTraffic(1000, 2000, 100, 500, 4, 40);
        assertEquals(4 * 1100, t.compactBroadcastBytes(), "parameters and merged state in fp32, no optimizer state");
        assertEquals(2 * 1060 + 4 * 40, t.compactReturnedBytes(), "changes in fp16, keyed rows exact");
        AveragingTraffic.Round c = t.round(2, 2, true);
        assertEquals(2 * 4400 + 2 * 2280, c.totalBytes());
        assertEquals(t.round(2, 2).totalBytes() * (2 * 4400 + 2 * 2280) / (2 * 12_400 + 2 * 12_400), c.totalBytes());
        assertThrows(IllegalArgumentException.class, () -> new AveragingTraffic(1, 1, 10, 0, 4, 11), "keyed rows are merged values");
        assertEquals(c, t.compactRound(2, 2, 0), "never averaging the optimizer states is the plain compact exchange");
        AveragingTraffic.Round every4 = t.compactRound(2, 2, 4); // 3 compact rounds and 1 with whole states each way
        assertEquals((3 * 4400 + 12_400) / 4, every4.stateBytes());
        assertEquals((3 * 2280 + 12_400) / 4, every4.returnedBytes());
        assertEquals(t.round(2, 2).totalBytes(), t.compactRound(2, 2, 1).totalBytes(), "averaged every round: the full exchange's bytes");
    }

    @Test
    void secondsOnALink() {
        assertEquals(1.0, AveragingTraffic.seconds(125_000_000, 1), 1e-12);
        assertEquals(0.1, AveragingTraffic.seconds(125_000_000, 10), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> AveragingTraffic.seconds(1, 0));
    }
}
