package org.reidspark.data.image;

import org.reidspark.config.Check;

import java.util.List;

/** What decoding does with an alpha channel ({@code reid.input.alpha}). */
public enum Alpha {
    /** Keep the colour values and ignore alpha, as PIL's {@code convert("RGB")} (and so torchvision pipelines) do. */
    DROP,
    /** Composite over black: each colour value times alpha / 255. */
    BLACK;

    public static final List<String> NAMES = List.of("drop", "black");

    /** The mode a config name stands for; an unknown name fails listing the known ones. */
    public static Alpha byName(String name) {
        return switch (name) {
            case "drop" -> DROP;
            case "black" -> BLACK;
            default -> throw Check.unknownName("alpha mode (reid.input.alpha)", name, NAMES);
        };
    }
}
