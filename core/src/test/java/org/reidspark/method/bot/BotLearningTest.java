package org.reidspark.method.bot;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.S3Config;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.baseline.HistogramBaseline;
import org.reidspark.method.Method;
import org.reidspark.method.MethodSetup;
import org.reidspark.method.Methods;
import org.reidspark.train.LocalTraining;
import org.reidspark.train.TrainingState;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BoT learns: the small network trained for a bounded number of steps on the synthetic holistic benchmark beats
 * the colour-histogram baseline by at least 0.20 mAP and beats itself untrained, all measured in this test on
 * the same split with the same protocol. Seeds are fixed.
 */
class BotLearningTest {
    @TempDir
    Path tmp;

    @Test
    void smallBotBeatsTheHistogramBaselineAndItsUntrainedSelf() throws Exception {
        Config config = ConfigLoader.load(List.of(
                "reid.run.seed=7",
                "reid.data.dataset=synth", "reid.synth.output=" + tmp.resolve("synth"),
                "reid.synth.identities=80", "reid.synth.cameras=4", "reid.synth.images-per-identity=10",
                "reid.synth.distractors=10", "reid.synth.junk=0",
                "reid.input.height=64", "reid.input.width=32",
                "reid.model.backbone=resnet18", "reid.model.width=0.25",
                "reid.sampler.p=8", "reid.sampler.k=4",
                "reid.bot.lr=2e-3", "reid.train.epochs=10", "reid.train.log-every=10",
                "reid.train.schedule.warmup-epochs=1", "reid.train.schedule.milestones=[8]"));
        Storage storage = Storage.of(S3Config.from(config));
        DataConfig data = SynthDatasets.resolve(config, storage);
        Manifest manifest = Catalogs.of(data).read(storage, data.root());

        RankingMetrics baseline = HistogramBaseline.evaluate(manifest, storage);

        Method bot = Methods.byName("bot");
        TrainingState untrained = bot.initialize(new MethodSetup(config, manifest.trainIdentities(), 0, 7, storage));
        RankingMetrics before = LocalTraining.evaluate(new org.reidspark.embed.Embedder(bot.inferenceNetwork(untrained),
                InputConfig.from(config), ImageSource.decoding(storage, InputConfig.from(config)),
                org.reidspark.data.batch.LoaderConfig.from(config), 64, false), manifest, EvalConfig.from(config));

        LocalTraining.Result trained = LocalTraining.run(config, manifest, storage, null);
        double map = trained.metrics().mAP();
        String report = String.format("histogram baseline mAP %.4f, untrained %.4f, trained %.4f (Rank-1 %.4f)",
                baseline.mAP(), before.mAP(), map, trained.metrics().rank(1));
        System.out.println("BoT learning test: " + report);
        assertTrue(map >= baseline.mAP() + 0.20, report);
        assertTrue(map > before.mAP(), report);
    }
}
