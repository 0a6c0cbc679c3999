package org.reidspark.method;

import org.reidspark.config.Check;
import org.reidspark.method.bot.BotMethod;

import java.util.List;

/** The one place that maps a method name ({@code reid.method}) to its implementation. */
public final class Methods {
    public static final List<String> NAMES = List.of("bot");

    private Methods() {
    }

    public static Method byName(String name) {
        return switch (name) {
            case "bot" -> new BotMethod();
            default -> throw Check.unknownName("method (reid.method)", name, NAMES);
        };
    }
}
