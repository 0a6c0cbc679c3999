package org.reidspark.model;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    @Test
    void referenceDefaultsAreBoTs() {
        ModelConfig m = ModelConfig.from(ConfigLoader.load(List.of()), true);
        assertEquals(new ModelConfig("resnet50", 1.0, 1, 256, 128, true, ""), m);
    }

    @Test
    void overridesApply() {
        ModelConfig m = ModelConfig.from(ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.25",
                "reid.input.height=128", "reid.input.width=64", "reid.model.last-stride=2",
                "reid.model.pretrained=\"s3a://bucket/r18.npz\"")), true);
        assertEquals(new ModelConfig("resnet18", 0.25, 2, 128, 64, true, "s3a://bucket/r18.npz"), m);
    }

    private static ConfigError bad(String override) {
        return assertThrows(ConfigError.class, () -> ModelConfig.from(ConfigLoader.load(List.of(override)), true));
    }

    @Test
    void badValuesNameKeyAndValue() {
        ConfigError backbone = bad("reid.model.backbone=vgg16");
        assertTrue(backbone.getMessage().contains("reid.model.backbone") && backbone.getMessage().contains("\"vgg16\"")
                && backbone.getMessage().contains("resnet18, resnet34, resnet50"), backbone.getMessage());
        ConfigError stride = bad("reid.model.last-stride=3");
        assertTrue(stride.getMessage().contains("reid.model.last-stride") && stride.getMessage().contains(" 3"), stride.getMessage());
        ConfigError width = bad("reid.model.width=0");
        assertTrue(width.getMessage().contains("reid.model.width"), width.getMessage());
        ConfigError pretrained = bad("reid.model.pretrained=\"weights.pth\"");
        assertTrue(pretrained.getMessage().contains("reid.model.pretrained") && pretrained.getMessage().contains(".npz"),
                pretrained.getMessage());
        ConfigError input = bad("reid.input.height=8");
        assertTrue(input.getMessage().contains("reid.input.height"), input.getMessage());
    }
}
