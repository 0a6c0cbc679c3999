package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.eval.EvalConfig;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.method.Methods;
import org.reidspark.method.bot.BotConfig;
import org.reidspark.model.ModelConfig;
import org.reidspark.train.TrainConfig;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conf/market1501-bot-r50.conf (BoT's full recipe on GPU executors, data on S3) loads through the ConfigLoader,
 * which rejects unknown keys, and every record the train job builds from it validates. It is not run: no GPU here.
 */
class GpuClusterConfTest {
    static final File CONF = Path.of("..", "conf", "market1501-bot-r50.conf").toAbsolutePath().normalize().toFile();

    @TempDir
    Path tmp;

    /** conf/market1501-dgnet-r50.conf: DG-Net's official recipe on the same cluster, its teacher the BoT run above. */
    @Test
    void theDgNetConfLoadsWithTheOfficialRecipeAndABotTeacher() {
        Config c = ConfigLoader.load(Path.of("..", "conf", "market1501-dgnet-r50.conf").toFile(), List.of());
        org.reidspark.method.dgnet.DgNetConfig d = (org.reidspark.method.dgnet.DgNetConfig) Methods.of(c).config();
        assertEquals(org.reidspark.model.dgnet.GeneratorSpec.official(), d.generatorSpec());
        assertEquals(org.reidspark.model.dgnet.DiscriminatorSpec.official(), d.discriminatorSpec());
        assertEquals(new SamplerConfig(16, 2), SamplerConfig.from(c));
        assertTrue(d.teacher().endsWith("market1501-bot-r50") || d.teacher().equals(System.getenv("REID_TEACHER")), d.teacher());
        assertTrue(d.model().pretrained().endsWith(".npz"), d.model().pretrained());
        assertEquals(247, TrainConfig.from(c).epochs());
        assertEquals(List.of(148, 222), TrainConfig.from(c).schedule().milestones());
        assertEquals(4, DistributedConfig.from(c).workers());
        assertEquals("4g", SparkConfig.from(c).conf().get("spark.driver.maxResultSize"));
    }

    @Test
    void loadsAndValidatesEveryRecordTheTrainJobBuilds() {
        Config c = ConfigLoader.load(CONF, List.of());

        ModelConfig model = BotConfig.from(c).model();
        assertEquals("resnet50", model.backbone());
        assertEquals(1.0, model.width());
        assertEquals(1, model.lastStride());
        assertTrue(model.bnneck());
        assertEquals(256, model.inputHeight());
        assertEquals(128, model.inputWidth());
        assertTrue(model.pretrained().startsWith("s3a://") && model.pretrained().endsWith(".npz"), model.pretrained());
        assertEquals(new SamplerConfig(16, 4), SamplerConfig.from(c));
        TrainConfig train = TrainConfig.from(c);
        assertEquals(120, train.epochs());
        assertEquals(10, train.schedule().warmupEpochs());
        assertEquals(List.of(40, 70), train.schedule().milestones());
        assertEquals("bot", Methods.of(c).name());
        assertEquals(3.5e-4, BotConfig.from(c).lr());

        DataConfig data = DataConfig.from(c);
        assertEquals("market1501", data.dataset());
        Catalogs.of(data);
        assertTrue(data.root().startsWith("s3a://"), data.root());
        assertTrue(RunConfig.from(c).output().startsWith("s3a://"), RunConfig.from(c).output());
        S3Config.from(c);
        InputConfig.from(c);
        AugmentConfig.from(c);
        assertEquals(5e-4, BotConfig.from(c).loss().centerWeight());
        LoaderConfig.from(c);
        EvalConfig.from(c);
        assertEquals(4, DistributedConfig.from(c).workers());
        assertTrue(!DistributedConfig.from(c).resident(), "ResNet-50's state goes by torrent broadcast and a tree, not through the driver");

        SparkConfig spark = SparkConfig.from(c);
        assertTrue(spark.master().startsWith("spark://"), spark.master());
        assertEquals("1", spark.conf().get("spark.executor.resource.gpu.amount"));
        assertEquals("1", spark.conf().get("spark.task.resource.gpu.amount"));
        assertTrue(spark.conf().get("spark.executor.resource.gpu.discoveryScript").endsWith("submit/discover-gpus.sh"));
        assertEquals(spark.conf().get("spark.executor.cores"), spark.conf().get("spark.task.cpus"), "one task per GPU executor");
        assertEquals(String.valueOf(LoaderConfig.from(c).threads()), spark.conf().get("spark.task.cpus"));
    }

    @Test
    void aMisspelledKeyInItFails() throws Exception {
        Path typo = tmp.resolve("typo.conf");
        Files.writeString(typo, "include file(\"" + CONF.getPath() + "\")\nreid.train.epoch = 60\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(typo.toFile(), List.of()));
        assertTrue(e.getMessage().contains("reid.train.epoch"), e.getMessage());
    }
}
