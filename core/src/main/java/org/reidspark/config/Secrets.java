package org.reidspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.conf.ConfigRedactor;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which configuration keys hold secrets, and scrubbing their values out of text. A key is secret when Hadoop counts it
 * as sensitive ({@code hadoop.security.sensitive-config-keys}, read through Hadoop's own {@link ConfigRedactor}:
 * {@code fs.s3a.secret.key}, {@code fs.s3a.encryption.key}, {@code fs.s3a.server-side-encryption.key},
 * {@code fs.azure.account.key.*}, OAuth secrets, anything ending in {@code secret}, {@code password} or
 * {@code credential}, ...), when Spark's default {@code spark.redaction.regex} matches it, or when it matches the
 * project's own pattern ({@value #PROJECT_PATTERN}). Keys are tested as written in the config and as the bare Hadoop
 * or Spark property they stand for (quotes removed, {@code reid.hadoop.}, {@code reid.spark.conf.} and
 * {@code spark.hadoop.} prefixes dropped), so {@code reid.hadoop."fs.s3a.access.key"} is as secret as
 * {@code reid.s3.access-key}. Any value of a secret key counts, a number included.
 */
public final class Secrets {
    /** The project's patterns, beside Hadoop's list. */
    static final String PROJECT_PATTERN = "(?i)(secret|password|passwd|token|access[-._]?key|credential|private[-._]?key"
            + "|encryption[-._]?key|account[-._]key|keytab|sas[-._]?key)";
    /** Spark's default {@code spark.redaction.regex}. */
    static final String SPARK_PATTERN = "(?i)secret|password|token|access[.]key";
    public static final String REDACTED = "<redacted>";
    private static final Pattern PROJECT = Pattern.compile(PROJECT_PATTERN);
    private static final Pattern SPARK = Pattern.compile(SPARK_PATTERN);
    /** Hadoop's list as its {@code core-default.xml} sets it. */
    private static final Configuration HADOOP_DEFAULTS = new Configuration();
    private static final ConfigRedactor HADOOP = new ConfigRedactor(HADOOP_DEFAULTS);
    private static final List<String> PREFIXES = List.of("reid.hadoop.", "reid.spark.conf.", "spark.hadoop.");

    private Secrets() {
    }

    /** True when {@code key} (a config path, a Hadoop or a Spark property name) names a secret. */
    public static boolean isSecret(String key) {
        String bare = key.replace("\"", "");
        boolean stripped = true;
        while (stripped) {
            stripped = false;
            for (String p : PREFIXES) {
                if (bare.startsWith(p)) {
                    bare = bare.substring(p.length());
                    stripped = true;
                }
            }
        }
        for (String k : List.of(key, bare)) {
            if (PROJECT.matcher(k).find() || SPARK.matcher(k).find()) return true;
            String probe = "\u0000probe";
            if (!probe.equals(HADOOP.redact(k, probe))) return true;
        }
        return false;
    }

    /**
     * A regular expression for Spark's {@code spark.redaction.regex} that covers every key {@link #isSecret} does, so
     * Spark's UI, event log and its own log lines redact them too ({@code spark.hadoop.fs.s3a.encryption.key} is
     * missed by Spark's default).
     */
    public static String sparkRedactionRegex() {
        StringBuilder b = new StringBuilder("(?i)").append(SPARK_PATTERN.substring(4)).append('|')
                .append(PROJECT_PATTERN.substring(4));
        for (String hadoop : HADOOP_DEFAULTS.getTrimmedStrings(
                org.apache.hadoop.fs.CommonConfigurationKeysPublic.HADOOP_SECURITY_SENSITIVE_CONFIG_KEYS)) {
            b.append('|').append(hadoop);
        }
        return b.toString();
    }

    /** Every non-empty value under a secret key of {@code config} (numbers and booleans as written), longest first. */
    public static Collection<String> values(Config config) {
        TreeSet<String> out = new TreeSet<>(Comparator.comparingInt(String::length).reversed().thenComparing(s -> s));
        for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
            ConfigValue v = e.getValue();
            if (!isSecret(e.getKey()) || v.valueType() == ConfigValueType.NULL || v.valueType() == ConfigValueType.LIST) continue;
            String text = String.valueOf(v.unwrapped());
            if (!text.isEmpty()) out.add(text);
        }
        return out;
    }

    /** {@code text} with every occurrence of each of {@code secrets} replaced by {@value #REDACTED}. */
    public static String scrub(String text, Collection<String> secrets) {
        if (text == null) return null;
        String out = text;
        for (String s : secrets) {
            if (s.length() >= 4) out = out.replace(s, REDACTED);
        }
        return out;
    }
}
