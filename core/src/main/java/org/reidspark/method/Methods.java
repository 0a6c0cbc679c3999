package org.reidspark.method;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.method.bot.BotConfig;
import org.reidspark.method.bot.BotMethod;
import org.reidspark.method.cal.CalConfig;
import org.reidspark.method.cal.CalMethod;
import org.reidspark.method.dcr.DcrConfig;
import org.reidspark.method.dcr.DcrMethod;
import org.reidspark.method.dgnet.DgNetConfig;
import org.reidspark.method.dgnet.DgNetMethod;
import org.reidspark.method.paul.PaulConfig;
import org.reidspark.method.paul.PaulMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The one place that maps a method name ({@code reid.method}) to its implementation, built with its typed config
 * (validated there, so a bad value fails before any work). Methods outside this module (an application's own, or a
 * test's) are added with {@link #register} before a job runs; they are reached through the same switch.
 */
public final class Methods {
    /** The methods this module implements. */
    public static final List<String> NAMES = List.of("bot", "cal", "dcr", "dgnet", "paul");
    private static final Map<String, Function<Config, Method>> REGISTERED = new ConcurrentHashMap<>();

    private Methods() {
    }

    /** The method {@code reid.method} names, with its settings read from {@code config} and validated. */
    public static Method of(Config config) {
        String name = config.getString("reid.method");
        return switch (name) {
            case "bot" -> new BotMethod(BotConfig.from(config));
            case "cal" -> new CalMethod(CalConfig.from(config));
            case "dcr" -> new DcrMethod(DcrConfig.from(config));
            case "dgnet" -> new DgNetMethod(DgNetConfig.from(config));
            case "paul" -> new PaulMethod(PaulConfig.from(config));
            default -> {
                Function<Config, Method> registered = REGISTERED.get(name);
                if (registered == null) throw Check.unknownName("method (reid.method)", name, names());
                yield registered.apply(config);
            }
        };
    }

    /**
     * Adds a method implemented outside this module under {@code name}; its factory reads and validates its own
     * config section. A name of this module's methods cannot be taken.
     */
    public static void register(String name, Function<Config, Method> factory) {
        if (NAMES.contains(name)) throw new IllegalArgumentException("method name " + name + " is taken by a built-in method");
        REGISTERED.put(name, factory);
    }

    /** Every method name known now: this module's, then the registered ones. */
    public static List<String> names() {
        List<String> all = new ArrayList<>(NAMES);
        REGISTERED.keySet().stream().sorted().forEach(all::add);
        return all;
    }
}
