package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        String first = a.getLayers()[0].conf().getLayer().getLayerName();
        String second = a.getLayers()[1].conf().getLayer().getLayerName();
        LearningRates rates = LearningRates.of("a", 0.1).and("b", 0.02).withLayer("a", second, 10);
        rates.apply(nets, 0.5);
        assertEquals(0.05, lr(a, first), 1e-12);
        assertEquals(0.5, lr(a, second), 1e-12, "a layer at 10x its network's rate");
        assertEquals(0.01, lr(b, b.getLayers()[0].conf().getLayer().getLayerName()), 1e-12);
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
    }

    @Test
    void stepContextProgressRunsOverTheWholeRun() {
        assertEquals(0.0, new StepContext(0, 4, 10, 0, 1, 0).progress(), 0);
        assertEquals(0.5, new StepContext(2, 4, 10, 20, 1, 0).progress(), 1e-12);
        assertEquals(1.0, new StepContext(3, 4, 10, 45, 1, 0).progress(), 0, "capped at 1");
        assertThrows(IllegalArgumentException.class, () -> new StepContext(0, 0, 10, 0, 1, 0));
    }
}
