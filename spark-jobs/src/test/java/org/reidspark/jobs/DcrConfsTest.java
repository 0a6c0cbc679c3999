package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.method.Methods;
import org.reidspark.method.dcr.DcrConfig;
import org.reidspark.train.TrainConfig;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DCR's experiment files load through the ConfigLoader (which rejects unknown keys) and every record the jobs build
 * from them validates: the synthetic occluded benchmark (conf/synth-occluded-dcr.conf) and the paper's recipe on
 * Occluded-Duke for GPU executors (conf/occluded-duke-dcr-r50.conf, not run: no GPU here).
 */
class DcrConfsTest {
    private static Config load(String name) {
        File f = Path.of("..", "conf", name).toAbsolutePath().normalize().toFile();
        return ConfigLoader.load(f, List.of());
    }

    @Test
    void theSyntheticOccludedExperiment() {
        Config c = load("synth-occluded-dcr.conf");
        DcrConfig d = (DcrConfig) Methods.of(c).config();
        assertEquals(12, DcrConfig.mapRows(d.model().inputHeight()), "192x64: a 12-row mid-level map");
        assertEquals(0, d.freezeEpochs());
        assertEquals("occluded", c.getString("reid.synth.variant"));
        assertEquals("bot", Methods.of(c.withValue("reid.method", com.typesafe.config.ConfigValueFactory.fromAnyRef("bot"))).name(),
                "the same file trains the BoT arm");
        TrainConfig.from(c);
        DistributedConfig.from(c);
        SparkConfig.from(c);
    }

    @Test
    void thePapersRecipeOnOccludedDuke() {
        Config c = load("occluded-duke-dcr-r50.conf");
        DcrConfig d = (DcrConfig) Methods.of(c).config();
        assertEquals("resnet50", d.model().backbone());
        assertEquals(384, d.model().inputHeight());
        assertEquals(128, d.model().inputWidth());
        assertEquals(24, DcrConfig.mapRows(d.model().inputHeight()));
        assertEquals(new SamplerConfig(4, 12), d.sampler());
        assertEquals(10, d.freezeEpochs());
        assertEquals("visible-parts", d.matching());
        assertTrue(d.model().pretrained().endsWith(".npz"), d.model().pretrained());
        TrainConfig train = TrainConfig.from(c);
        assertEquals(70, train.epochs());
        assertEquals(35, train.schedule().cosineStart());
        DataConfig data = DataConfig.from(c);
        assertEquals("occluded-duke", data.dataset());
        Catalogs.of(data);
        assertEquals(4, DistributedConfig.from(c).workers());
        assertEquals("1", SparkConfig.from(c).conf().get("spark.task.resource.gpu.amount"));
    }
}
