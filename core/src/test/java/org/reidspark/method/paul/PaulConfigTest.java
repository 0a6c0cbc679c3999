package org.reidspark.method.paul;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.Methods;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code reid.paul}: the official defaults and the validation (https://arxiv.org/abs/1904.01308). */
class PaulConfigTest {
    private static Config defaults() {
        return ConfigLoader.load(List.of("reid.method=paul"));
    }

    @Test
    void theDefaultsAreTheOfficialMarketRecipe() {
        PaulConfig c = PaulConfig.from(defaults());
        assertEquals("unsupervised", c.mode());
        assertEquals(6, c.patches());
        assertEquals(256, c.patchDim());
        assertEquals(128, c.embeddingDim());
        assertEquals(4096, c.pgnChannels());
        assertEquals(512, c.pgnHidden());
        assertEquals(0.0, c.pgnLrFactor());
        assertEquals(1e-4, c.lr());
        assertEquals(new PaulConfig.Pedal(2, 15, 10, 0.1), c.pedal());
        assertEquals(new PaulConfig.Ipfl(1, 2, 15, 3, "in-batch", 1, 20000), c.ipfl());
        assertEquals(new PaulConfig.Supervised(0.1, 1), c.supervised());
        assertEquals(0.7, c.surrogate().cropMinArea());
        assertEquals(0.95, c.surrogate().cropMaxArea());
        assertEquals(10, c.surrogate().rotation());
        assertEquals(0.2, c.surrogate().brightness());
        assertEquals(0.2, c.surrogate().contrast());
        assertEquals(0.2, c.surrogate().saturation());
        assertEquals(1, c.model().lastStride());
        assertTrue(Methods.of(defaults()) instanceof PaulMethod);
        assertTrue(!Methods.of(defaults()).trainingInputs().sampling().usesLabels(), "unsupervised batches ignore labels");
        assertTrue(Methods.of(defaults().withValue("reid.paul.mode", ConfigValueFactory.fromAnyRef("supervised")))
                .trainingInputs().sampling().usesLabels());
    }

    @Test
    void theRecipeLoads() {
        Config recipe = ConfigLoader.load(new java.io.File("../conf/methods/paul.conf"), List.of());
        PaulConfig c = ((PaulMethod) Methods.of(recipe)).config();
        assertEquals(42, c.batchSize());
        assertEquals(PaulConfig.INIT_PASS, c.bankInit());
        assertEquals(384, c.model().inputHeight());
        assertEquals(61, org.reidspark.train.TrainConfig.from(recipe).epochs());
    }

    private static ConfigError bad(String key, Object value) {
        return assertThrows(ConfigError.class, () -> Methods.of(defaults().withValue(key, ConfigValueFactory.fromAnyRef(value))));
    }

    @Test
    void badValuesFailNamingTheKey() {
        assertTrue(bad("reid.model.last-stride", 2).getMessage().contains("reid.model.last-stride"));
        assertTrue(bad("reid.paul.mode", "semi").getMessage().contains("reid.paul.mode"));
        assertTrue(bad("reid.paul.bank-init", "zeros").getMessage().contains("reid.paul.bank-init"));
        assertTrue(bad("reid.paul.pedal.weight", -1).getMessage().contains("reid.paul.pedal.weight"));
        assertTrue(bad("reid.paul.pedal.bank-momentum", 1.5).getMessage().contains("reid.paul.pedal.bank-momentum"));
        assertTrue(bad("reid.paul.ipfl.walk", 0).getMessage().contains("reid.paul.ipfl.walk"));
        assertTrue(bad("reid.paul.patches", 0).getMessage().contains("reid.paul.patches"));
        assertTrue(bad("reid.paul.batch-size", 1).getMessage().contains("reid.paul.batch-size"));
        assertTrue(bad("reid.paul.pgn-lr-factor", -0.5).getMessage().contains("reid.paul.pgn-lr-factor"));
        String small = bad("reid.input.width", 32).getMessage();
        assertTrue(small.contains("3x3") && small.contains("x2"), small);
        Config supervisedK1 = defaults().withValue("reid.paul.mode", ConfigValueFactory.fromAnyRef("supervised"))
                .withValue("reid.sampler.k", ConfigValueFactory.fromAnyRef(1));
        assertTrue(assertThrows(ConfigError.class, () -> Methods.of(supervisedK1)).getMessage().contains("reid.sampler.k"));
    }
}
