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

    /**
     * Keys of {@link #section()} (relative to it) that change only how a trained model is matched at test time, not
     * what training computes (DCR: {@code matching}); the run's fingerprint leaves them out, so a finished model can
     * be evaluated under another rule. None by default.
     */
    default java.util.List<String> evaluationKeys() {
        return java.util.List.of();
    }
}
