package org.reidspark.method.dgnet;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigLoader;
import org.reidspark.model.dgnet.DiscriminatorSpec;
import org.reidspark.model.dgnet.GeneratorSpec;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** DG-Net's recipe files give the official sizes and weights (configs/latest.yaml), and the ramps follow it. */
class DgNetConfigTest {
    @Test
    void theRecipeIsTheOfficialOne() {
        DgNetConfig recipe = DgNetConfig.from(ConfigLoader.load(new File("../conf/methods/dgnet.conf"), List.of()));
        assertEquals(GeneratorSpec.official(), recipe.generatorSpec(), "Es and G as latest.yaml at 256x128 with an 8192-d code");
        assertEquals(DiscriminatorSpec.official(), recipe.discriminatorSpec());
        assertEquals("sgd", recipe.eaOptimizer());
        assertEquals(0.002, recipe.eaLr());
        assertEquals(10, recipe.headFactor());
        assertEquals(1e-4, recipe.genLr());
        assertEquals(1e-4, recipe.disLr());
        assertEquals(5e-4, recipe.weightDecay());
        assertEquals(512, recipe.bottleneck());
        assertEquals(0.5, recipe.reencodeDetached());
        assertEquals(0.5, recipe.fineWeight());
        DgNetConfig.Losses w = recipe.loss();
        assertEquals(List.of(5.0, 5.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 0.2), List.of(w.reconX(), w.reconXp(),
                w.id(), w.pid(), w.reconId(), w.gan(), w.reconS(), w.reconF(), w.cycle(), w.teacher(), w.klWeight(), w.fineRelative()));
        // 30,000 of 100,000 iterations warm, then +5e-4 per iteration: weight 1 at 32,000, 2 (the cap) from 34,000
        assertEquals(0, w.ramp(2, 0.30));
        assertEquals(0.5, w.ramp(1, 0.31), 1e-12);
        assertEquals(1, w.ramp(1, 0.5));
        assertEquals(1, w.ramp(2, 0.32), 1e-12);
        assertEquals(2, w.ramp(2, 0.34), 1e-12);
        assertEquals(2, w.ramp(2, 1.0));
    }
}
