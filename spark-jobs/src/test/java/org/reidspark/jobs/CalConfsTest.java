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
import org.reidspark.data.catalog.PrccCatalog;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Protocol;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.method.Methods;
import org.reidspark.method.cal.CalConfig;
import org.reidspark.train.TrainConfig;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CAL experiments (conf/synth-cc-cal.conf, conf/ltcc-cal-r50.conf, conf/prcc-cal-r50.conf) load through the
 * ConfigLoader, which rejects unknown keys, and every record the train job builds from them validates: CAL with the
 * clothes classifier and CAL starting at a learning-rate decay, the clothes-changing protocol as the headline with
 * same-clothes beside it. The GPU ones are not run: no GPU here.
 */
class CalConfsTest {
    private static Config load(String name) {
        File conf = Path.of("..", "conf", name).toAbsolutePath().normalize().toFile();
        return ConfigLoader.load(conf, List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"synth-cc-cal.conf", "ltcc-cal-r50.conf", "prcc-cal-r50.conf"})
    void loadsAndValidatesEveryRecordTheTrainJobBuilds(String name) {
        Config c = load(name);
        assertEquals("cal", Methods.of(c).name());
        CalConfig cal = CalConfig.from(c);
        TrainConfig train = TrainConfig.from(c);
        assertTrue(train.schedule().milestones().get(0) <= cal.startEpoch() && cal.startEpoch() < train.epochs(),
                "CAL starts at or after the first decay: " + train.schedule().milestones() + ", " + cal.startEpoch());
        assertEquals(1.0, cal.adversarialWeight());
        assertEquals(16.0, cal.scale());
        assertEquals(0.1, cal.epsilon());
        assertEquals(CalConfig.OUTFITS, cal.clothesLabels());
        EvalConfig eval = EvalConfig.from(c);
        assertEquals(Protocol.CLOTHES_CHANGING, eval.protocol());
        assertTrue(eval.alsoProtocols().contains(Protocol.SAME_CLOTHES), eval.alsoProtocols().toString());
        DataConfig data = DataConfig.from(c);
        // "synth" is resolved to the generated dataset's layout by SynthDatasets when a job runs; the others are catalogs
        if (!data.dataset().equals("synth")) Catalogs.of(data);
        RunConfig.from(c);
        S3Config.from(c);
        InputConfig.from(c);
        AugmentConfig.from(c);
        LoaderConfig.from(c);
        DistributedConfig.from(c);
        SparkConfig.from(c);
        if (name.startsWith("synth")) {
            SynthConfig synth = SynthConfig.from(c);
            assertEquals("clothes-changing", synth.variant().configName());
            assertEquals(SynthConfig.Outfits.CROSSING, synth.outfits());
            assertEquals("128x64", synth.size(), "the default split");
        } else {
            assertEquals("resnet50", cal.model().backbone());
            assertEquals(384, cal.model().inputHeight());
            assertEquals(192, cal.model().inputWidth());
            assertEquals(List.of(20, 40), train.schedule().milestones());
            assertEquals(25, cal.startEpoch(), "the official start");
            assertTrue(cal.model().pretrained().endsWith(".npz"), cal.model().pretrained());
            assertTrue(SparkConfig.from(c).master().startsWith("spark://"));
        }
        if (name.startsWith("prcc")) assertEquals(PrccCatalog.QuerySet.BOTH, data.prccQuery());
    }
}
