package org.reidspark.run;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.method.Methods;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What changes the mathematics is fingerprinted; a resume with other settings or data is refused, naming the keys. */
class FingerprintTest {
    @TempDir
    java.nio.file.Path tmp;

    private static final Manifest DATA = new Manifest("d", "r", List.of(new Sample("a", 1, 0, 0, -1, Split.TRAIN),
            new Sample("b", 2, 1, 1, -1, Split.TRAIN)));

    private static Fingerprint of(String... overrides) {
        Config c = ConfigLoader.load(List.of(overrides));
        return Fingerprint.of(c, Methods.of(c), DATA, Fingerprint.DISTRIBUTED);
    }

    @Test
    void coversTheMathematicsAndNotTheLogging() {
        Fingerprint base = of();
        assertTrue(base.values().containsKey("reid.bot.lr") && base.values().containsKey("reid.bot.loss.center-weight")
                && base.values().containsKey("reid.model.backbone") && base.values().containsKey("reid.sampler.k")
                && base.values().containsKey("reid.run.seed") && base.values().containsKey("data.manifest-sha256"),
                base.values().keySet().toString());
        assertEquals(List.of(), base.differences(of("reid.train.log-every=7", "reid.loader.threads=1", "reid.eval.max-rank=20")));
        assertEquals(List.of(), base.differences(of("reid.sampler.p=16", "reid.bot.lr=0.00035")),
                "a value is the same however it is written (an override is a string)");
        List<String> lr = base.differences(of("reid.bot.lr=0.001"));
        assertEquals(1, lr.size(), lr.toString());
        assertTrue(lr.get(0).startsWith("reid.bot.lr: ") && lr.get(0).endsWith(" -> 0.001"), lr.toString());
        assertEquals(2, base.differences(of("reid.run.seed=9", "reid.train.schedule.milestones=[30]")).size());
        Manifest other = new Manifest("d", "r", List.of(DATA.samples().get(0)));
        Config c = ConfigLoader.load(List.of());
        assertEquals(1, base.differences(Fingerprint.of(c, Methods.of(c), other, Fingerprint.DISTRIBUTED)).size(), "the data");
    }

    @Test
    void aResumeIsRefusedUnlessOverriddenAndAFreshRunRecords() throws Exception {
        Storage storage = new Storage(new Configuration());
        Path dir = new Path(tmp.toUri().toString(), "ck");
        Fingerprint.checkAndRecord(storage, dir, of(), false, false, "run r");
        Fingerprint.check(storage, dir, of(), true, false, "run r");
        ConfigError e = assertThrows(ConfigError.class, () -> Fingerprint.check(storage, dir, of("reid.sampler.p=4"), true, false, "run r"));
        assertTrue(e.getMessage().contains("reid.sampler.p: 16 -> 4") && e.getMessage().contains("reid.run.resume-with-changes"),
                e.getMessage());
        Fingerprint.checkAndRecord(storage, dir, of("reid.sampler.p=4"), true, true, "run r");
        assertEquals(of("reid.sampler.p=4"), Fingerprint.read(storage, dir).orElseThrow(), "the override records the new one");
        Path none = new Path(tmp.toUri().toString(), "none");
        ConfigError missing = assertThrows(ConfigError.class, () -> Fingerprint.check(storage, none, of(), true, false, "run r"));
        assertTrue(missing.getMessage().contains("no fingerprint.json"), missing.getMessage());
    }
}
