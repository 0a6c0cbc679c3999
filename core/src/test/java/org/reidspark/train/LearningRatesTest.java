package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Base rates per network and per layer, times the schedule's factor; frozen networks have none. */
class LearningRatesTest {
    private static double lr(ComputationGraph g, String layer) {
        return g.getLearningRate(layer);
    }

    @Test
    void setsEachNetworkAndEachListedLayer() {
        ComputationGraph a = TrainingStateTest.tinyNet(1);
        ComputationGraph b = TrainingStateTest.tinyNet(2);
        NetworkSet nets = new NetworkSet().put("a", a).put("b", b);
        LearningRates rates = LearningRates.of("a", 0.1).and("b", 0.02).withLayer("a", "out", 10);
        rates.apply(nets, 0.5);
        assertEquals(0.05, lr(a, "d1"), 1e-12);
        assertEquals(0.05, lr(a, "bn"), 1e-12);
        assertEquals(0.5, lr(a, "out"), 1e-12, "the head at 10x its network's rate");
        assertEquals(0.01, lr(b, "d1"), 1e-12);
        rates.apply(nets, 0.1);
        assertEquals(0.01, lr(a, "d1"), 1e-12, "the next epoch's factor");
        assertEquals(0.1, lr(a, "out"), 1e-12);
    }

    @Test
    void aNetworkAlreadyAtItsRatesIsLeftAsItIs() {
        ComputationGraph a = TrainingStateTest.tinyNet(1);
        NetworkSet nets = new NetworkSet().put("a", a);
        LearningRates rates = LearningRates.of("a", 0.1).withLayer("a", "out", 10);
        rates.apply(nets, 0.5);
        Object updater = a.getUpdater();
        org.nd4j.linalg.api.ndarray.INDArray state = a.getUpdater().getStateViewArray().dup();
        rates.apply(nets, 0.5);
        assertSame(updater, a.getUpdater(), "the same rates: DL4J's updater is not rebuilt");
        assertEquals(state, a.getUpdater().getStateViewArray());
        rates.apply(nets, 0.1);
        assertNotSame(updater, a.getUpdater(), "a new factor rebuilds it");
        assertEquals(0.01, lr(a, "d1"), 1e-12);
        assertEquals(0.1, lr(a, "out"), 1e-12);
        // a schedule at the same rate for now is not a fixed rate: it is replaced
        a.setLearningRate(new StepSchedule(ScheduleType.ITERATION, 0.01, 0.5, 1));
        Object scheduled = a.getUpdater();
        rates.apply(nets, 0.1);
        assertNotSame(scheduled, a.getUpdater());
        a.getConfiguration().setIterationCount(100);
        assertEquals(0.01, lr(a, "d1"), 1e-12, "no schedule left to decay it");
    }

    @Test
    void refusesWhatCannotBeSet() {
        assertThrows(IllegalArgumentException.class, () -> LearningRates.of("a", 0.1).and("a", 0.2));
        assertThrows(IllegalArgumentException.class, () -> new LearningRates(java.util.Map.of("a", -1.0), java.util.Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new LearningRates(java.util.Map.of("a", 0.1),
                java.util.Map.of("b", java.util.Map.of("x", 2.0))));
        NetworkSet nets = new NetworkSet().put("a", TrainingStateTest.tinyNet(1))
                .put("t", TrainingStateTest.tinyNet(2), MergeRule.FROZEN);
        IllegalArgumentException frozen = assertThrows(IllegalArgumentException.class, () -> LearningRates.of("t", 0.1).apply(nets, 1));
        assertTrue(frozen.getMessage().contains("frozen"), frozen.getMessage());
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
                () -> LearningRates.of("a", 0.1).withLayer("a", "nope", 2).apply(nets, 1));
        assertTrue(layer.getMessage().contains("nope"), layer.getMessage());
        // DL4J 1.0.0-M2.1: a layer before a BatchNormalization cannot have its own rate; the error says so
        IllegalArgumentException beforeBn = assertThrows(IllegalArgumentException.class,
                () -> LearningRates.of("a", 0.1).withLayer("a", "d1", 2).apply(new NetworkSet().put("a", TrainingStateTest.tinyNet(3)), 1));
        assertTrue(beforeBn.getMessage().contains("d1") && beforeBn.getMessage().contains("BatchNormalization"), beforeBn.getMessage());
    }

    @Test
    void stepContextProgressRunsOverTheWholeRun() {
        assertEquals(0.0, new StepContext(0, 4, 10, 0, 1, 0).progress(), 0);
        assertEquals(0.5, new StepContext(2, 4, 10, 20, 1, 0).progress(), 1e-12);
        assertEquals(1.0, new StepContext(3, 4, 10, 45, 1, 0).progress(), 0, "capped at 1");
        assertThrows(IllegalArgumentException.class, () -> new StepContext(0, 0, 10, 0, 1, 0));
    }
}
