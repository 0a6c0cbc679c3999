package org.reidspark.run;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.eval.TestFeatures;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.TrainingState;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainedModelTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void readsBackThePublishedInferenceNetworkAndItsConfig() throws IOException {
        Config config = ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.run.name=m1", "reid.run.output=\"" + dir + "\""));
        Storage storage = new Storage(new Configuration());
        Method bot = Methods.of(config);
        TrainingState state = bot.initialize(new TrainingData(4, 0), 5, null);
        Path published;
        try (RunDirectory run = RunDirectory.create(storage, RunConfig.from(config), config, "train")) {
            run.writeModels(state.trainedNetworks());
            published = run.publish();
        }
        TrainedModel model = TrainedModel.open(storage, published.toString());
        assertEquals("bot", model.method().name());
        assertEquals(bot.config(), model.method().config(), "the run's method settings are read back");
        assertTrue(model.runId().startsWith("m1@"), model.runId());
        assertEquals(32, model.config().getInt("reid.input.height"));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(3, 3, 32, 16);
        INDArray expected = bot.testNetwork(state.networks()).forward(x).get(TestFeatures.EMBEDDING);
        INDArray actual = model.testNetwork().forward(x).get(TestFeatures.EMBEDDING);
        assertTrue(expected.equalsWithEps(actual, 1e-6), "same embedding after the round trip");
        INDArray shipped = model.portable().open().forward(x).get(TestFeatures.EMBEDDING);
        assertTrue(expected.equalsWithEps(shipped, 1e-6), "same embedding from the form Spark ships");
    }

    @Test
    void anUnpublishedDirectoryIsRefusedWithTheReason() throws IOException {
        Storage storage = new Storage(new Configuration());
        Files.createDirectories(dir.resolve("half"));
        IOException e = assertThrows(IOException.class, () -> TrainedModel.open(storage, dir.resolve("half").toString()));
        assertTrue(e.getMessage().contains("not a published run directory"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TrainedModel.open(storage, dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().contains("no run directory"), missing.getMessage());
    }
}
