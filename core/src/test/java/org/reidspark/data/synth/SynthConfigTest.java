package org.reidspark.data.synth;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthConfigTest {
    private static SynthConfig load(String... overrides) {
        Config c = ConfigLoader.load(List.of(overrides));
        return SynthConfig.from(c);
    }

    @Test
    void defaultsComeFromReference() {
        SynthConfig c = load();
        assertEquals(SynthVariant.HOLISTIC, c.variant());
        assertEquals(128, c.height());
        assertEquals(64, c.width());
        assertEquals("128x64", c.size());
        assertTrue(c.identities() >= 4 && c.imagesPerIdentity() >= 4, c.toString());
    }

    @Test
    void sizeIsHeightByWidth() {
        SynthConfig c = load("reid.synth.size=256x128");
        assertEquals(256, c.height());
        assertEquals(128, c.width());
        ConfigError e = assertThrows(ConfigError.class, () -> load("reid.synth.size=256*128"));
        assertTrue(e.getMessage().contains("reid.synth.size") && e.getMessage().contains("256*128"), e.getMessage());
    }

    @Test
    void marketAndDukeNamesHoldOneCameraDigit() {
        ConfigError e = assertThrows(ConfigError.class, () -> load("reid.synth.cameras=12"));
        assertTrue(e.getMessage().contains("reid.synth.cameras") && e.getMessage().contains("12"), e.getMessage());
        assertThrows(ConfigError.class, () -> load("reid.synth.variant=occluded", "reid.synth.cameras=10"));
        assertEquals(12, load("reid.synth.variant=clothes-changing", "reid.synth.cameras=12").cameras());
    }

    @Test
    void unknownVariantListsTheKnownOnes() {
        ConfigError e = assertThrows(ConfigError.class, () -> load("reid.synth.variant=partial"));
        assertTrue(e.getMessage().contains("partial") && e.getMessage().contains("clothes-changing"), e.getMessage());
    }

    @Test
    void badCountsNameTheirKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> load("reid.synth.images-per-identity=2"));
        assertTrue(e.getMessage().contains("reid.synth.images-per-identity"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> load("reid.synth.cameras=3", "reid.synth.queries-per-identity=3"));
        assertTrue(e.getMessage().contains("reid.synth.queries-per-identity"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> load("reid.synth.occluded-fraction=1.5"));
        assertTrue(e.getMessage().contains("reid.synth.occluded-fraction"), e.getMessage());
    }
}
