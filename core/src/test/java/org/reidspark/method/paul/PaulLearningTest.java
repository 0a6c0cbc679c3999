package org.reidspark.method.paul;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.run.LocalTraining;
import org.reidspark.train.TrainingState;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unsupervised PAUL learns without labels (https://arxiv.org/abs/1904.01308), CI-sized: a small PatchNet (ResNet-18
 * at width 0.125 with last stride 1, 64x48 input, 6 patches of 16, embeddings of 8) trained from random weights on a
 * small synthetic holistic split whose training images are read without their persons
 * ({@code reid.data.train-labels = none}: no label exists to leak), with PEDAL + IPFL only (epoch 0 the bank pass, then
 * 8 epochs of batches of 16 images with their surrogates). Compared, on the test split, with the same network as
 * initialized (same seed), measured here on the same data: the trained network must rank better. The longer
 * measurement, with the paper's source -> target protocol, is the benchmark of docs/results.md ("PAUL").
 */
class PaulLearningTest {
    @TempDir
    Path dir;

    @Test
    void unsupervisedPaulBeatsTheSameNetworkUntrained() throws IOException {
        Config config = ConfigLoader.load(List.of(
                "reid.run.seed=1", "reid.method=paul", "reid.data.dataset=synth", "reid.data.train-labels=none",
                "reid.synth.variant=holistic", "reid.synth.output=\"" + dir.resolve("synth") + "\"",
                "reid.synth.identities=60", "reid.synth.images-per-identity=8", "reid.synth.size=64x48",
                "reid.synth.distractors=0", "reid.synth.junk=0",
                "reid.input.height=64", "reid.input.width=48",
                "reid.model.backbone=resnet18", "reid.model.width=0.125", "reid.model.last-stride=1",
                "reid.augment.pad=0", "reid.augment.erasing-p=0",
                "reid.paul.batch-size=16", "reid.paul.lr=0.01", "reid.paul.patch-dim=16", "reid.paul.embedding-dim=8",
                "reid.paul.pgn-channels=16", "reid.paul.pgn-hidden=16", "reid.paul.pedal.neighbours=5",
                "reid.train.epochs=9", "reid.train.eval-every=0", "reid.train.log-every=100",
                "reid.train.schedule.warmup-epochs=0", "reid.train.schedule.milestones=[7]"));
        Storage storage = new Storage(new Configuration());
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());
        assertFalse(manifest.trainLabeled(), "the training images carry no person");
        EvalConfig eval = EvalConfig.from(config);

        Method paul = Methods.of(config);
        TrainingState untrained = paul.initialize(TrainingData.of(manifest), config.getLong("reid.run.seed"), storage);
        Embedder embedder = new Embedder(paul.testNetwork(untrained.networks()), InputConfig.from(config),
                ImageSource.decoding(storage, InputConfig.from(config)), LoaderConfig.from(config),
                config.getInt("reid.embed.batch-size"), false);
        RankingMetrics before = LocalTraining.evaluate(embedder, manifest, eval);

        RankingMetrics trained = LocalTraining.run(config, manifest, storage, null).metrics();

        String report = String.format("trained mAP %.4f (Rank-1 %.4f), untrained %.4f (Rank-1 %.4f)",
                trained.mAP(), trained.rank(1), before.mAP(), before.rank(1));
        System.out.println("PaulLearningTest: " + report);
        assertTrue(trained.mAP() > before.mAP(), report);
    }
}
