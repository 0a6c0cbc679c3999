package org.reidspark.method.dcr;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.Methods;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DCR's settings are read from reid.dcr and checked before any work, naming the key (the experiment files: DcrConfsTest). */
class DcrConfigTest {
    private static ConfigError fails(String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("reid.method=dcr"));
        all.addAll(List.of(overrides));
        return assertThrows(ConfigError.class, () -> Methods.of(ConfigLoader.load(all)));
    }

    @Test
    void thePapersRecipeIsTheDefaultAndTheConfFilesAreValid() {
        DcrConfig d = DcrConfig.from(ConfigLoader.load(List.of("reid.method=dcr")));
        assertEquals(3, d.parts());
        assertEquals(0.8, d.stripes().temperature());
        assertEquals(5, d.stripes().dilation());
        assertEquals(5.0, d.loss().stripe());
        assertEquals(10, d.freezeEpochs());
        assertEquals("visible-parts", d.matching());
        DcrConfig recipe = DcrConfig.from(ConfigLoader.load(new File("../conf/methods/dcr.conf"), List.of()));
        assertEquals(24, DcrConfig.mapRows(recipe.model().inputHeight()), "the paper's 384x128: a 24-row mid-level map");
        assertEquals("resnet50", recipe.model().backbone());
        assertEquals(12, DcrConfig.mapRows(192), "the synthetic experiment's 192x64: 12 rows");
    }

    @Test
    void badValuesFailNamingTheKey() {
        ConfigError small = fails("reid.input.height=32", "reid.input.width=16");
        assertTrue(small.getMessage().contains("reid.input.height") && small.getMessage().contains("2"), small.getMessage());
        assertTrue(fails("reid.model.last-stride=2").getMessage().contains("reid.model.last-stride"));
        ConfigError matching = fails("reid.dcr.matching=partial");
        assertTrue(matching.getMessage().contains("visible-parts"), matching.getMessage());
        assertTrue(fails("reid.dcr.parts=0").getMessage().contains("reid.dcr.parts"));
        assertTrue(fails("reid.dcr.stripes.dilation=4").getMessage().contains("reid.dcr.stripes.dilation"));
        assertTrue(fails("reid.dcr.loss.id-weight=0", "reid.dcr.loss.triplet-weight=0").getMessage().contains("reid.dcr.loss"));
        assertTrue(fails("reid.dcr.pseudo-labels.background-fraction=1").getMessage().contains("background-fraction"));
    }
}
