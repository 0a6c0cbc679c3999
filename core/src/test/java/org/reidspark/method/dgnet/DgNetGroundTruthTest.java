package org.reidspark.method.dgnet;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.synth.Counterfactuals;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.embed.Embedder;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.TrainingState;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation checks' mechanics ({@link DgNetGroundTruth}): the L1 and the judge's nearest class with the pair's
 * own images left out, by hand; and a whole evaluation of an untrained tiny DG-Net with an untrained judge on a tiny
 * synthetic dataset: seeded (the same seed, the same report; another seed, other pairs), the copy baseline's
 * difference confined to the person (the counterfactual is x_j but for the outfit), rates that are fractions, the
 * grid drawn at its size. Whether a trained generator passes is the benchmark's question (docs/results.md).
 */
class DgNetGroundTruthTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void l1IsTheMeanAbsoluteIntensityDifferenceWhereAsked() {
        RgbImage a = new RgbImage(1, 2, new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
        RgbImage b = new RgbImage(1, 2, new byte[] {(byte) 51, 0, 0, 0, 0, 0});
        assertEquals((51 / 255.0 + 3) / 6, DgNetGroundTruth.l1(a, b, null), 1e-12);
        assertEquals(0.2 / 3, DgNetGroundTruth.l1(a, b, new boolean[] {true, false}), 1e-12);
        assertEquals(1.0, DgNetGroundTruth.l1(a, b, new boolean[] {false, true}), 1e-12);
    }

    @Test
    void aMeanColourIsTakenWhereAskedAndColoursDifferByTheirMeanChannelDifference() {
        RgbImage img = new RgbImage(1, 2, new byte[] {(byte) 255, 0, 51, 0, 0, (byte) 255});
        assertArrayEquals(new double[] {0.5, 0, 0.6}, DgNetGroundTruth.meanColour(img, new boolean[] {true, true}), 1e-12);
        assertArrayEquals(new double[] {0, 0, 1}, DgNetGroundTruth.meanColour(img, new boolean[] {false, true}), 1e-12);
        assertArrayEquals(new double[] {0, 0, 0}, DgNetGroundTruth.meanColour(img, new boolean[] {false, false}), 1e-12);
        assertEquals(0.3, DgNetGroundTruth.colourDistance(new double[] {0.5, 0, 0.6}, new double[] {0, 0.4, 0.6}), 1e-12);
    }

    @Test
    void theJudgesClassMeansLeaveThePairsOwnImagesOut() {
        // class 0: images 0 and 1; class 1: image 2 alone; class 2: image 3
        List<Sample> test = List.of(sample(1), sample(1), sample(2), sample(3));
        Map<Integer, Integer> classOf = Map.of(1, 0, 2, 1, 3, 2);
        float[][] e = {{1, 0}, {0, 1}, {0.8f, 0.6f}, {-1, 0}};
        double[][] sum = {{1, 1}, {0.8, 0.6}, {-1, 0}};
        int[] count = {2, 1, 1};
        float[] query = {1, 0};
        assertEquals(1, DgNetGroundTruth.nearestClass(query, sum, count, e, test, classOf, new int[] {3, 3, 3}),
                "class 1's mean (0.8, 0.6) is nearer to (1, 0) than class 0's (1, 1)");
        assertEquals(0, DgNetGroundTruth.nearestClass(query, sum, count, e, test, classOf, new int[] {1, 3, 3}),
                "without image 1, class 0's mean is (1, 0)");
        assertEquals(0, DgNetGroundTruth.nearestClass(query, sum, count, e, test, classOf, new int[] {2, 1, 2}),
                "class 1 has no image left; class 0's is (1, 0)");
    }

    /** An untrained BoT (ResNet-18 of width 1/8 at 64x32) as the judge: the evaluation needs one; its rates are not asserted on. */
    static DgNetGroundTruth.Judge untrainedJudge(Manifest manifest, InputConfig input, Storage storage) {
        Config botConfig = ConfigLoader.load(List.of("reid.method=bot", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=64", "reid.input.width=32"));
        Method bot = Methods.of(botConfig);
        TrainingState judgeState = bot.initialize(TrainingData.of(manifest), 2, storage);
        return new DgNetGroundTruth.Judge(new Embedder(bot.testNetwork(judgeState.networks()), input,
                ImageSource.decoding(storage, input), new LoaderConfig(1, 1), 8, true), input);
    }

    private static Sample sample(int pid) {
        return new Sample("file:/x/" + pid + ".jpg", pid, -1, 1, -1, org.reidspark.data.Split.GALLERY);
    }

    @Test
    void anEvaluationIsSeededAndItsCopyBaselineDiffersOnlyOnThePerson() throws IOException {
        Config config = DgNetContractTest.tiny("reid.data.dataset=synth", "reid.synth.output=\"" + dir.resolve("synth") + "\"",
                "reid.synth.identities=16", "reid.synth.images-per-identity=4", "reid.synth.size=64x32", "reid.synth.distractors=0",
                "reid.synth.junk=0");
        Storage storage = new Storage(new Configuration());
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        Method dgnet = Methods.of(config);
        TrainingState state = dgnet.initialize(TrainingData.of(manifest), 1, storage);
        InputConfig input = InputConfig.from(config);
        DgNetGroundTruth.Judge judge = untrainedJudge(manifest, input, storage);
        DgNetGeneration generation = new DgNetGeneration(state.networks(), input);
        Counterfactuals truth = new Counterfactuals(SynthConfig.from(config));
        Path grid = new Path(dir.resolve("grid.png").toUri());
        List<Integer> progress = new ArrayList<>();
        DgNetGroundTruth.Report a = DgNetGroundTruth.evaluate(generation, input, judge, manifest, truth, storage, 20, 7, 8, grid, progress::add);
        DgNetGroundTruth.Report b = DgNetGroundTruth.evaluate(generation, input, judge, manifest, truth, storage, 20, 7, 8, null, null);
        DgNetGroundTruth.Report c = DgNetGroundTruth.evaluate(generation, input, judge, manifest, truth, storage, 20, 8, 8, null, null);
        assertEquals(a, b, "the same seed draws the same pairs");
        assertNotEquals(a.l1(), c.l1(), "another seed draws other pairs");
        assertEquals(List.of(8, 16, 20), progress);
        assertEquals(8, a.identities(), "half of 16 identities are held out for testing");
        // x_j and cf(i, j) differ only on the person (and the camera's spread of it): more there than over the image
        assertTrue(a.personL1().get("copy") > 2 * a.l1().get("copy"), a.summary());
        assertTrue(a.l1().get("copy") > 0, a.summary());
        // ... and off the person it is x_j's own scene: the copy's background differs only by the JPEG's loss
        assertTrue(a.backgroundL1().get("copy") < a.personL1().get("copy") / 4, a.summary());
        // the counterfactual's background colour is x_j's scene's, not the clothes donor's
        DgNetGroundTruth.SceneColour cf = a.scenes().get("counterfactual");
        assertTrue(cf.toStructure() < cf.toDonor() && cf.nearerDonor() < 0.5, a.summary());
        assertTrue(a.scenesApart() > cf.toStructure(), a.summary());
        // ... and nearer it than one colour for every background
        assertTrue(a.constantScene() > cf.toStructure(), a.summary());
        assertEquals(List.of("counterfactual", "generated", "shuffled"), List.copyOf(a.scenes().keySet()));
        for (DgNetGroundTruth.Assigned s : a.judge().values()) {
            assertTrue(s.toI() >= 0 && s.toJ() >= 0 && s.toK() >= 0 && s.toI() + s.toJ() + s.toK() <= 1 + 1e-12, a.summary());
        }
        @SuppressWarnings("unchecked")
        List<Double> interval = (List<Double>) a.toMap().get("generatedToIInterval95");
        double toI = a.judge().get("generated").toI();
        assertEquals(List.of(a.generatedToIInterval95()[0], a.generatedToIInterval95()[1]), interval);
        assertTrue(interval.get(0) <= toI && toI <= interval.get(1) && interval.get(1) - interval.get(0) > 0, interval + " " + toI);
        assertTrue(a.summary().contains("95% interval"), a.summary());
        BufferedImage sheet = ImageIO.read(dir.resolve("grid.png").toFile());
        int gap = 4;
        // 8 test identities: 4 appearance donors x 4 structure providers (each panel one more row and column of real images)
        assertEquals(2 * (4 + 1) * (32 + gap) + 3 * gap, sheet.getWidth());
        assertEquals((4 + 1) * (64 + gap) + 18 + gap, sheet.getHeight());
    }

    @Test
    void theJudgesIntervalIsWilsons() {
        double z2 = 1.959963984540054 * 1.959963984540054;
        // none of n: [0, z^2 / (n + z^2)], the closed form at p = 0
        assertArrayEquals(new double[]{0, z2 / (10 + z2)}, DgNetGroundTruth.wilson95(0, 10), 1e-12);
        assertArrayEquals(new double[]{10 / (10 + z2), 1}, DgNetGroundTruth.wilson95(1, 10), 1e-12);
        // symmetric about one half, and inside the normal interval's (which it approaches for many trials)
        double[] half = DgNetGroundTruth.wilson95(0.5, 100);
        assertEquals(1, half[0] + half[1], 1e-12);
        assertTrue(half[0] > 0.5 - 1.96 * 0.05 && half[1] < 0.5 + 1.96 * 0.05, java.util.Arrays.toString(half));
        double p = 1965 / 3900.0, se = Math.sqrt(p * (1 - p) / 3900);
        assertArrayEquals(new double[]{p - 1.959963984540054 * se, p + 1.959963984540054 * se}, DgNetGroundTruth.wilson95(p, 3900), 2e-4);
        assertThrows(IllegalArgumentException.class, () -> DgNetGroundTruth.wilson95(0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> DgNetGroundTruth.wilson95(1.5, 10));
    }
}
