package org.reidspark.model.backbone;

import org.reidspark.config.Check;

import java.util.List;

/** The one switch from a backbone name in config ({@code reid.model.backbone}) to its ResNet layout. */
public final class Backbones {
    /** Every backbone name config accepts. */
    public static final List<String> NAMES = List.of("resnet18", "resnet34", "resnet50");

    private Backbones() {
    }

    /** The layout named {@code name}; an unknown name fails listing the known ones. */
    public static ResNetSpec byName(String name) {
        return switch (name) {
            case "resnet18" -> new ResNetSpec(name, false, List.of(2, 2, 2, 2));
            case "resnet34" -> new ResNetSpec(name, false, List.of(3, 4, 6, 3));
            case "resnet50" -> new ResNetSpec(name, true, List.of(3, 4, 6, 3));
            default -> throw Check.unknownName("backbone", name, NAMES);
        };
    }
}
