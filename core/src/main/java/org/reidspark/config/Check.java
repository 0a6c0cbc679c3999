package org.reidspark.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Validation helpers for config records' constructors; each failure names the key and shows the value. */
public final class Check {
    private Check() {
    }

    public static int positive(String key, int value) {
        if (value <= 0) throw ConfigError.badValue(key, value, "a positive integer");
        return value;
    }

    public static long positive(String key, long value) {
        if (value <= 0) throw ConfigError.badValue(key, value, "a positive integer");
        return value;
    }

    public static int nonNegative(String key, int value) {
        if (value < 0) throw ConfigError.badValue(key, value, "an integer >= 0");
        return value;
    }

    public static double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) throw ConfigError.badValue(key, value, "a positive finite number");
        return value;
    }

    public static double nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) throw ConfigError.badValue(key, value, "a finite number >= 0");
        return value;
    }

    public static double inRange(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw ConfigError.badValue(key, value, "a number in [" + min + ", " + max + "]");
        }
        return value;
    }

    public static int inRange(String key, int value, int min, int max) {
        if (value < min || value > max) throw ConfigError.badValue(key, value, "an integer in [" + min + ", " + max + "]");
        return value;
    }

    public static String nonBlank(String key, String value) {
        if (value == null || value.isBlank()) throw ConfigError.badValue(key, value, "a non-empty string");
        return value;
    }

    /** {@code value} must be one of {@code known} (case-sensitive); the error lists the known names. */
    public static String oneOf(String key, String value, String... known) {
        if (!Arrays.asList(known).contains(value)) {
            throw ConfigError.badValue(key, value, "one of " + String.join(", ", known));
        }
        return value;
    }

    /** Error for a name that no {@code switch} knows: lists the known names. */
    public static ConfigError unknownName(String what, String value, List<String> known) {
        return new ConfigError("unknown " + what + " \"" + value + "\"; known: " + String.join(", ", known));
    }

    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
