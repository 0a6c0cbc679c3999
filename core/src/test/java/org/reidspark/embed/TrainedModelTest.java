package org.reidspark.embed;

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
import org.reidspark.method.Method;
import org.reidspark.method.MethodSetup;
import org.reidspark.method.Methods;
import org.reidspark.model.ReidNetwork;
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
        Method bot = Methods.byName("bot");
        TrainingState state = bot.initialize(new MethodSetup(config, 4, 0, 5, null));
        Path published;
        try (RunDirectory run = RunDirectory.create(storage, RunConfig.from(config), config, "train")) {
            run.writeModels(state.networks().asMap());
            published = run.publish();
        }
        TrainedModel model = TrainedModel.open(storage, published.toString());
        assertEquals("bot", model.method());
        assertTrue(model.runId().startsWith("m1@"), model.runId());
        assertEquals(32, model.config().getInt("reid.input.height"));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(3, 3, 32, 16);
        int embedding = ReidNetwork.outputIndex(model.network(), "embedding");
        INDArray expected = bot.inferenceNetwork(state).output(false, x)[embedding];
        INDArray actual = model.network().output(false, x)[embedding];
        assertTrue(expected.equalsWithEps(actual, 1e-6), "same embedding after the round trip");
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
