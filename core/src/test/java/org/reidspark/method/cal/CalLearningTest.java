package org.reidspark.method.cal;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Manifest;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.baseline.HistogramBaseline;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.run.LocalTraining;
import org.reidspark.train.TrainingState;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CAL learns, through the method contract's training path ({@link LocalTraining}, what {@code train-local} runs): a
 * ResNet-18 (width 0.25) at 64x32 trained in one JVM for 60 epochs on the synthetic clothes-changing benchmark's default
 * split (generator version 3: outfits cross cameras; 200 identities x 12 images rendered at 128x64, 100 training
 * identities), the clothes classifier and CAL from the first learning-rate decay at epoch 30 on (milestones 30, 50).
 * Measured here on the same freshly generated data: in the clothes-changing protocol the trained network beats the
 * colour-histogram baseline and the same network untrained; its clothes classifier, on detached features of the
 * training images, is right far more often than chance (ten times 1 / the training clothes classes) and than itself
 * untrained. About seven minutes on 2 cores. An earlier, smaller setup (50 training identities of 64x32 renders, 40
 * epochs) put the trained network within float noise of the histogram (mAP 0.0252 against 0.0264 on one machine,
 * above it on another): a test that passes or fails by noise asserts nothing, so this one uses the split the benchmark
 * uses, where one run measured trained 0.0563, untrained 0.0195, histogram 0.0220. The claim against the baseline
 * without the clothes losses is the benchmark's ({@code submit/reid ablation --conf conf/synth-cc-cal.conf}), not a
 * timed test.
 */
class CalLearningTest {
    @TempDir
    Path dir;

    @Test
    void trainedCalBeatsTheColourHistogramInTheClothesChangingProtocolAndItsClothesClassifierLearns() throws IOException {
        Config config = ConfigLoader.load(List.of(
                "reid.run.seed=1", "reid.method=cal", "reid.data.dataset=synth", "reid.synth.variant=clothes-changing",
                "reid.synth.output=\"" + dir.resolve("synth") + "\"",
                "reid.input.height=64", "reid.input.width=32",
                "reid.model.backbone=resnet18", "reid.model.width=0.25",
                "reid.sampler.p=8", "reid.sampler.k=4", "reid.augment.pad=3", "reid.cal.lr=3e-3", "reid.cal.clothes.lr=3e-3",
                "reid.cal.start-epoch=30", "reid.train.epochs=60", "reid.train.eval-every=0", "reid.train.log-every=100",
                "reid.train.schedule.warmup-epochs=3", "reid.train.schedule.milestones=[30, 50]",
                "reid.eval.protocol=clothes-changing", "reid.eval.also-protocols=[same-clothes]"));
        Storage storage = new Storage(new Configuration());
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        EvalConfig eval = EvalConfig.from(config);
        TrainingData training = TrainingData.of(manifest);

        RankingMetrics baseline = HistogramBaseline.evaluate(manifest, storage, eval);

        Method cal = Methods.of(config);
        TrainingState untrained = cal.initialize(training, 1, storage);
        RankingMetrics before = LocalTraining.evaluate(embedder(cal, untrained, config, storage), manifest, eval);
        double clothesBefore = clothesAccuracy(cal, untrained, manifest, training, config, storage);

        TrainingState trained = LocalTraining.run(config, manifest, storage, null).state();
        RankingMetrics after = LocalTraining.evaluate(embedder(cal, trained, config, storage), manifest, eval);
        double clothesAfter = clothesAccuracy(cal, trained, manifest, training, config, storage);
        double chance = 1.0 / training.clothesClasses();

        String report = String.format(Locale.ROOT, "clothes-changing mAP: trained %.4f (Rank-1 %.4f), untrained %.4f, colour"
                        + " histogram %.4f; same-clothes mAP trained %.4f, histogram %.4f; clothes accuracy on detached training"
                        + " features: trained %.4f, untrained %.4f, chance %.4f (%d classes)", after.mAP(), after.rank(1),
                before.mAP(), baseline.mAP(), after.under(Protocol.SAME_CLOTHES).mAP(),
                baseline.under(Protocol.SAME_CLOTHES).mAP(), clothesAfter, clothesBefore, chance, training.clothesClasses());
        System.out.println("CalLearningTest: " + report);
        assertEquals(Protocol.CLOTHES_CHANGING, after.protocol());
        assertTrue(after.mAP() > baseline.mAP(), report);
        assertTrue(after.mAP() > before.mAP(), report);
        assertTrue(clothesAfter >= 10 * chance, report);
        assertTrue(clothesAfter > clothesBefore, report);
    }

    private static Embedder embedder(Method cal, TrainingState state, Config config, Storage storage) {
        InputConfig input = InputConfig.from(config);
        return new Embedder(cal.testNetwork(state.networks()), input, ImageSource.decoding(storage, input),
                LoaderConfig.from(config), config.getInt("reid.embed.batch-size"), false);
    }

    /** The clothes classifier's accuracy on the training images' (detached, test-time) embeddings. */
    private static double clothesAccuracy(Method cal, TrainingState state, Manifest manifest, TrainingData training,
                                          Config config, Storage storage) {
        INDArray embedding = embedder(cal, state, config, storage).embed("train", manifest.train()).embedding().matrix();
        ComputationGraph clothes = state.network(CalMethod.CLOTHES);
        return CalStep.accuracy(clothes.output(false, embedding.castTo(clothes.getConfiguration().getDataType()))[0],
                training.trainClothes());
    }
}
