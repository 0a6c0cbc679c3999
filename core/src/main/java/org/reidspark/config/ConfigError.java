package org.reidspark.config;

/**
 * A configuration problem a user can fix: an unknown key, a bad value, a missing file.
 * The message always names the key (and where it came from, when known) and the offending value.
 */
public final class ConfigError extends RuntimeException {
    public ConfigError(String message) {
        super(message);
    }

    public ConfigError(String message, Throwable cause) {
        super(message, cause);
    }

    /** A bad value for {@code key}: names the key, shows the value and says what was expected. */
    public static ConfigError badValue(String key, Object value, String expected) {
        return new ConfigError("config key '" + key + "': bad value " + show(value) + ", expected " + expected);
    }

    private static String show(Object value) {
        return value instanceof CharSequence ? "\"" + value + "\"" : String.valueOf(value);
    }
}
