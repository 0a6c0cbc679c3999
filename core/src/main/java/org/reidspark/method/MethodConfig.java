package org.reidspark.method;

import java.io.Serializable;

/**
 * A method's typed settings: one immutable record per method (BoT: {@link org.reidspark.method.bot.BotConfig}),
 * built from the run's config by {@link Methods#of} and validated in its constructor before any work starts, then
 * carried to the Spark executors inside the {@link Method} (so it is {@link Serializable}, and never re-parsed
 * there). Its {@code toString} lists every value that changes the mathematics.
 */
public interface MethodConfig extends Serializable {
    /** The config section of the method's own settings, e.g. {@code reid.bot}. */
    String section();
}
