package org.reidspark.method.paul;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Sample;
import org.reidspark.data.augment.StoredSurrogateView;
import org.reidspark.data.augment.SurrogateView;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoadException;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.TestImages;
import org.reidspark.method.ContractData;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.run.LocalTraining;
import org.reidspark.train.InputBatches;
import org.reidspark.train.Round;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PAUL with {@code reid.paul.surrogates}: the surrogate view takes one of each image's stored copies (the augment job's)
 * from the image source instead of making it, the base transform still applied, and training runs on those batches.
 */
class PaulStoredSurrogatesTest {
    private static final long SEED = 3;

    private static Config stored() {
        return PaulContractTest.tiny().withValue("reid.paul.surrogates", ConfigValueFactory.fromAnyRef("mem:surrogates"));
    }

    /** Copy {@code c} of every training image is one flat grey of level {@code levels[c]}. */
    private static ImageSource withCopies(ContractData d, int h, int w, int... levels) {
        Map<String, List<RgbImage>> copies = new HashMap<>();
        for (Sample s : d.train()) {
            List<RgbImage> l = new java.util.ArrayList<>();
            for (int v : levels) l.add(TestImages.uniform(h, w, v, v, v));
            copies.put(s.uri(), l);
        }
        return ImageSource.withCopies(d.images(), copies);
    }

    private static Batch firstBatch(Method m, ContractData d, ImageSource images) {
        try (InputBatches b = new InputBatches(m.trainingInputs(), d.train(), d.trainKeys(), images, new LoaderConfig(1, 2), SEED)) {
            return b.epoch(0).next();
        }
    }

    @Test
    void theSurrogateViewReadsStoredCopiesAndTrainingRunsOnThem() {
        Method loader = Methods.of(PaulContractTest.tiny());
        Method m = Methods.of(stored());
        TrainingInputs inputs = m.trainingInputs();
        assertInstanceOf(StoredSurrogateView.class, inputs.views().get(PaulMethod.SURROGATE));
        assertInstanceOf(SurrogateView.class, loader.trainingInputs().views().get(PaulMethod.SURROGATE));
        assertEquals("mem:surrogates", inputs.copies());
        assertEquals("", loader.trainingInputs().copies());

        InputConfig input = InputConfig.from(stored());
        ContractData d = new ContractData(6, input.height(), input.width());
        Batch made = firstBatch(loader, d, d.images());
        Batch blank = firstBatch(m, d, withCopies(d, input.height(), input.width(), 0));
        assertEquals(made.images(), blank.images(), "the anchors are the same");
        assertNotEquals(made.view(PaulMethod.SURROGATE), blank.view(PaulMethod.SURROGATE), "the stored copies are used");
        // a black copy through the base transform (flip, normalization): each channel is -mean/std everywhere
        INDArray s = blank.view(PaulMethod.SURROGATE);
        for (int c = 0; c < 3; c++) {
            INDArray ch = s.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            double expected = -input.mean().get(c) / input.std().get(c);
            assertEquals(expected, ch.minNumber().doubleValue(), 1e-5, "channel " + c);
            assertEquals(expected, ch.maxNumber().doubleValue(), 1e-5, "channel " + c);
        }

        // two copies (grey 40 and 200): the step's seeded draw picks each for some images, the same on a rerun
        ImageSource two = withCopies(d, input.height(), input.width(), 40, 200);
        Batch b = firstBatch(m, d, two);
        assertEquals(b.view(PaulMethod.SURROGATE), firstBatch(m, d, two).view(PaulMethod.SURROGATE), "deterministic");
        Set<Long> levels = new HashSet<>();
        INDArray red = b.view(PaulMethod.SURROGATE);
        for (int i = 0; i < b.size(); i++) {
            double v = red.getDouble(i, 0, 0, 0) * input.std().get(0) + input.mean().get(0);
            levels.add(Math.round(v * 255));
        }
        assertEquals(Set.of(40L, 200L), levels, "both copies drawn in a batch of " + b.size());

        // PEDAL + IPFL steps on the stored surrogates
        TrainingData data = TrainingData.of(d.manifest());
        TrainingState state = m.initialize(data, SEED, null);
        Step step = m.step(data, SEED);
        m.learningRates().apply(state.networks(), 1.0);
        for (int i = 0; i < 3; i++) {
            Map<String, Double> losses = step.apply(b, state, new StepContext(0, 10, 10, i, 1.0, Round.mix(SEED, i)));
            assertTrue(losses.values().stream().allMatch(Double::isFinite), losses.toString());
            assertTrue(losses.get("loss") > 0, losses.toString());
        }
    }

    @Test
    void anImageWithoutStoredCopiesFailsNamingItAndOneJvmTrainingRefuses() {
        Method m = Methods.of(stored());
        InputConfig input = InputConfig.from(stored());
        ContractData d = new ContractData(6, input.height(), input.width());
        BatchLoadException e = assertThrows(BatchLoadException.class, () -> firstBatch(m, d, d.images()));
        assertTrue(e.getMessage().contains("no stored surrogate of mem:train/") && e.getMessage().contains("mem:surrogates"),
                e.getMessage());
        ConfigError c = assertThrows(ConfigError.class, () -> LocalTraining.run(stored(), d.manifest(), null, null));
        assertTrue(c.getMessage().contains("reid.paul.surrogates = mem:surrogates"), c.getMessage());
        ConfigError sup = assertThrows(ConfigError.class, () -> Methods.of(PaulContractTest.tiny("supervised")
                .withValue("reid.paul.surrogates", ConfigValueFactory.fromAnyRef("x"))));
        assertTrue(sup.getMessage().contains("reid.paul.surrogates"), sup.getMessage());
    }
}
