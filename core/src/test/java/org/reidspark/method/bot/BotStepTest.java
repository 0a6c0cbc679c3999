package org.reidspark.method.bot;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.Batch;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.LearningRates;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BotStepTest {
    static Config tiny() {
        return ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.bot.lr=1e-3"));
    }

    static Batch batch(int classes, int perClass) {
        Nd4j.getRandom().setSeed(3);
        int n = classes * perClass;
        INDArray x = Nd4j.rand(n, 3, 32, 16).subi(0.5);
        int[] labels = new int[n];
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = i / perClass;
            // each class gets its own bright channel so the classes are separable
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(labels[i] % 3))
                    .addi(1.5 * (1 + labels[i] / 3));
            samples.add(new Sample("mem:" + i, labels[i], labels[i], 0, -1, Split.TRAIN));
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = i;
        return Batch.of(0, 0, x, labels, keys, samples);
    }

    @Test
    void stepsLowerTheLossAndMoveTheCenters() {
        Method bot = Methods.of(tiny());
        TrainingData data = new TrainingData(4, 0);
        TrainingState state = bot.initialize(data, 5, null);
        Step step = bot.step(data, 5);
        Batch b = batch(4, 4);
        INDArray centers0 = state.dense(BotMethod.CENTERS).value().dup();
        Map<String, Double> first = step.apply(b, state, new StepContext(0, 1, 15, 0, 1, 1));
        assertTrue(first.keySet().containsAll(List.of("loss", "id", "triplet", "center")), first.toString());
        double total = first.get("id") * 1.0 + first.get("triplet") * 1.0 + first.get("center") * 5e-4;
        assertEquals(total, first.get("loss"), 1e-6, "the total is the weighted sum of the terms");
        Map<String, Double> last = first;
        for (int i = 1; i < 15; i++) last = step.apply(b, state, new StepContext(0, 1, 15, i, 1, 1));
        assertTrue(last.get("loss") < 0.7 * first.get("loss"), "loss " + first + " -> " + last);
        assertFalse(centers0.equalsWithEps(state.dense(BotMethod.CENTERS).value(), 1e-6), "centers moved");
        assertEquals(LearningRates.of("reid", 1e-3), bot.learningRates());
    }

    @Test
    void aBadMethodSettingFailsWhenTheMethodIsMadeNamingTheKey() {
        var e = assertThrows(org.reidspark.config.ConfigError.class,
                () -> Methods.of(ConfigLoader.load(List.of("reid.bot.lr=-1"))));
        assertTrue(e.getMessage().contains("reid.bot.lr"), e.getMessage());
        var loss = assertThrows(org.reidspark.config.ConfigError.class,
                () -> Methods.of(ConfigLoader.load(List.of("reid.bot.loss.label-smoothing=1.5"))));
        assertTrue(loss.getMessage().contains("reid.bot.loss.label-smoothing"), loss.getMessage());
    }

    @Test
    void unknownMethodListsTheKnownOnes() {
        var e = assertThrows(org.reidspark.config.ConfigError.class,
                () -> Methods.of(ConfigLoader.load(List.of("reid.method=b0t"))));
        assertTrue(e.getMessage().contains("b0t") && e.getMessage().contains("bot"), e.getMessage());
    }
}
