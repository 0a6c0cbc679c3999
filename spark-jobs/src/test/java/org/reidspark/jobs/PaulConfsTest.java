package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.eval.EvalConfig;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.method.Methods;
import org.reidspark.method.paul.PaulConfig;
import org.reidspark.run.Ablation;
import org.reidspark.run.Ablations;
import org.reidspark.train.TrainConfig;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PAUL experiments (conf/synth-paul-transfer.conf, conf/msmt17-to-market-paul-r50.conf) load through the
 * ConfigLoader, which rejects unknown keys, and every arm of PAUL's ablation builds valid records from them: the
 * source's supervised pre-training on other data with its labels, the adaptation on the target without them, BoT
 * on the target with them. The GPU one is not run: no GPU here.
 */
class PaulConfsTest {
    private static Config load(String name) {
        File conf = Path.of("..", "conf", name).toAbsolutePath().normalize().toFile();
        return ConfigLoader.load(conf, List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"synth-paul-transfer.conf", "msmt17-to-market-paul-r50.conf"})
    void everyArmOfTheProtocolValidates(String name) {
        Config c = load(name);
        assertEquals("paul", Methods.of(c).name());
        assertEquals(PaulConfig.UNSUPERVISED, PaulConfig.from(c).mode(), "the config itself is the adaptation");
        assertEquals(DataConfig.TrainLabels.NONE, DataConfig.from(c).trainLabels(), "the target is read without persons");
        Config source = Ablation.sourceConfig(c);
        DataConfig sourceData = DataConfig.from(source);
        assertEquals(DataConfig.TrainLabels.READ, sourceData.trainLabels());
        if (name.startsWith("synth")) {
            assertNotEquals(SynthConfig.from(c).seed(), SynthConfig.from(source).seed(), "other people");
            assertNotEquals(SynthConfig.from(c).output(), SynthConfig.from(source).output());
        } else {
            assertEquals("msmt17", sourceData.dataset());
            assertEquals("market1501", DataConfig.from(c).dataset());
            Catalogs.of(sourceData);
            Catalogs.of(DataConfig.from(c));
            assertEquals("resnet50", PaulConfig.from(c).model().backbone());
            assertTrue(SparkConfig.from(c).master().startsWith("spark://"));
        }
        for (Ablation.Variant v : Ablations.PAUL.variants()) {
            Config arm = v.trainingConfig(c);
            org.reidspark.method.Method m = Methods.of(arm);
            boolean labelled = DataConfig.from(arm).trainLabels() == DataConfig.TrainLabels.READ;
            assertEquals(m.trainingInputs().sampling().usesLabels(), labelled, v.name() + ": labels read exactly where used");
            TrainConfig.from(arm);
            if (m.name().equals("paul")) {
                PaulConfig p = PaulConfig.from(arm);
                assertEquals(PaulConfig.from(c).model(), p.model(), v.name() + ": one network in every PAUL arm");
            }
        }
        RunConfig.from(c);
        S3Config.from(c);
        InputConfig.from(c);
        AugmentConfig.from(c);
        LoaderConfig.from(c);
        DistributedConfig.from(c);
        SparkConfig.from(c);
        EvalConfig.from(c);
    }
}
