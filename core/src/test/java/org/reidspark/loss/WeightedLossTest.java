package org.reidspark.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.model.head.BNNeck;
import org.reidspark.testing.NumericalGradient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NumericalGradient.DoublePrecision.class)
class WeightedLossTest {
    private static final int[] LABELS = {0, 0, 1, 1, 2, 2};

    private static Map<String, INDArray> outputs() {
        Nd4j.getRandom().setSeed(21);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(BNNeck.FEATURE, Nd4j.randn(DataType.DOUBLE, 6, 5));
        m.put(BNNeck.LOGITS, Nd4j.randn(DataType.DOUBLE, 6, 3));
        return m;
    }

    @Test
    void totalIsWeightedSumAndGradientsCheckPerOutput() {
        LossConfig cfg = new LossConfig("reid.bot.loss", 1.0, 0.1, 0.7, 0.3, false, 0.05, 0.5);
        WeightedLoss loss = ReidLosses.build(cfg);
        Map<String, INDArray> out = outputs();
        Targets targets = Targets.of(LABELS).with(CenterLoss.CENTERS, CenterLoss.initialCenters(3, 5, 1, DataType.DOUBLE));
        WeightedLoss.Result r = loss.compute(out, targets);
        assertEquals(List.of("id", "triplet", "center"), List.copyOf(r.terms().keySet()));
        assertEquals(r.terms().get("id") + 0.7 * r.terms().get("triplet") + 0.05 * r.terms().get("center"), r.total(), 1e-12);
        for (String name : out.keySet()) {
            INDArray x = out.get(name);
            NumericalGradient.Report rep = NumericalGradient.check(v -> loss.compute(out, targets).total(), x, r.epsilons().get(name));
            assertTrue(rep.passed(), name + ": " + rep);
        }
    }

    @Test
    void zeroWeightDropsTheTerm() {
        WeightedLoss loss = ReidLosses.build(new LossConfig("reid.bot.loss", 1.0, 0.1, 0, 0.3, false, 0, 0.5));
        WeightedLoss.Result r = loss.compute(outputs(), LABELS);
        assertEquals(List.of("id"), List.copyOf(r.terms().keySet()));
        assertEquals(List.of(BNNeck.LOGITS), List.copyOf(r.epsilons().keySet()));
    }

    @Test
    void missingOutputIsNamed() {
        WeightedLoss loss = ReidLosses.build(new LossConfig("reid.bot.loss", 1.0, 0.1, 1, 0.3, false, 0, 0.5));
        Map<String, INDArray> out = outputs();
        out.remove(BNNeck.FEATURE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.compute(out, LABELS));
        assertTrue(e.getMessage().contains("\"feature\""), e.getMessage());
    }

    @Test
    void referenceDefaultsAreBoTs() {
        LossConfig c = LossConfig.from(ConfigLoader.load(List.of()), "reid.bot.loss");
        assertEquals(new LossConfig("reid.bot.loss", 1.0, 0.1, 1.0, 0.3, false, 5e-4, 0.5), c);
    }

    @Test
    void badValuesNameTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> LossConfig.from(ConfigLoader.load(
                List.of("reid.bot.loss.label-smoothing=1.5")), "reid.bot.loss"));
        assertTrue(e.getMessage().contains("reid.bot.loss.label-smoothing") && e.getMessage().contains("1.5"), e.getMessage());
        ConfigError none = assertThrows(ConfigError.class, () -> LossConfig.from(ConfigLoader.load(
                List.of("reid.bot.loss.id-weight=0", "reid.bot.loss.triplet-weight=0", "reid.bot.loss.center-weight=0")), "reid.bot.loss"));
        assertTrue(none.getMessage().contains("nothing to train"), none.getMessage());
    }
}
