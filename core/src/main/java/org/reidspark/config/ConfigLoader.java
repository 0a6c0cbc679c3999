package org.reidspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads the configuration of a run: experiment file, then {@code key=value} overrides (which win),
 * falling back to every module's {@code reference.conf}; resolves {@code ${?ENV}} substitutions; and
 * rejects any key under {@code reid} that the reference does not declare, naming the key and the file
 * and line it came from. Sections declared {@code open} in the reference ({@code reid.open-sections})
 * accept any key (for example Spark or Hadoop properties passed through verbatim).
 */
public final class ConfigLoader {
    /** The root every project key lives under. */
    public static final String ROOT = "reid";
    private static final String OPEN_SECTIONS = ROOT + ".open-sections";

    private ConfigLoader() {
    }

    /** Loads with no experiment file (reference defaults plus overrides). */
    public static Config load(List<String> overrides) {
        return load(null, overrides);
    }

    /**
     * @param experiment the experiment file ({@code conf/*.conf}), or null for reference defaults only
     * @param overrides  {@code key=value} strings in HOCON syntax; later ones win
     */
    public static Config load(File experiment, List<String> overrides) {
        return load(experiment, null, overrides);
    }

    /**
     * As {@link #load(File, List)}, with the experiment given as HOCON text ({@code experimentText}, e.g. one shipped with
     * a cluster-mode submission, see {@link #shippable}) instead of a file; at most one of the two.
     */
    public static Config load(File experiment, String experimentText, List<String> overrides) {
        Config reference = reference().resolve();
        Config merged = parseOverrides(overrides);
        if (experimentText != null) {
            try {
                merged = merged.withFallback(ConfigFactory.parseString(experimentText,
                        ConfigParseOptions.defaults().setOriginDescription("the experiment shipped with the submission")));
            } catch (ConfigException e) {
                throw new ConfigError("cannot read the experiment shipped with the submission: " + e.getMessage(), e);
            }
        }
        if (experiment != null) {
            if (!experiment.isFile()) {
                throw new ConfigError("config file not found: " + experiment.getPath());
            }
            Config file;
            try {
                file = ConfigFactory.parseFile(experiment, ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ConfigError("cannot read config file " + experiment.getPath() + ": " + e.getMessage(), e);
            }
            merged = merged.withFallback(file);
        }
        Config resolved;
        try {
            resolved = merged.withFallback(reference).resolve(ConfigResolveOptions.defaults());
        } catch (ConfigException e) {
            throw new ConfigError("cannot resolve config: " + e.getMessage(), e);
        }
        checkKnownKeys(resolved, reference);
        try {
            resolved.checkValid(reference, ROOT);
        } catch (ConfigException.ValidationFailed e) {
            throw new ConfigError("config has values of the wrong type: " + e.getMessage(), e);
        }
        checkTypes(resolved, reference);
        return resolved;
    }

    /**
     * {@code checkValid} lets a string stand where the reference has a number or boolean; reading each
     * such key with its typed getter here turns "abc" for a number into an error naming the key.
     */
    private static void checkTypes(Config config, Config reference) {
        for (Map.Entry<String, ConfigValue> e : reference.withOnlyPath(ROOT).entrySet()) {
            String key = e.getKey();
            try {
                switch (e.getValue().valueType()) {
                    case NUMBER -> config.getNumber(key);
                    case BOOLEAN -> config.getBoolean(key);
                    case LIST -> config.getList(key);
                    default -> {
                    }
                }
            } catch (ConfigException.WrongType | ConfigException.BadValue ex) {
                throw new ConfigError("config key '" + key + "': " + ex.getMessage(), ex);
            }
        }
    }

    /** All {@code reference.conf} resources on the classpath, merged, unresolved. */
    public static Config reference() {
        return ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    private static Config parseOverrides(List<String> overrides) {
        Config result = ConfigFactory.empty();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError("override \"" + o + "\" is not of the form key=value");
            }
            Config one;
            try {
                one = ConfigFactory.parseString(o.substring(0, eq).trim() + " = " + hoconValue(o.substring(eq + 1).trim()),
                        ConfigParseOptions.defaults().setOriginDescription("command-line override \"" + o + "\""));
            } catch (ConfigException e) {
                throw new ConfigError("cannot parse override \"" + o + "\": " + e.getMessage(), e);
            }
            result = one.withFallback(result);
        }
        return result;
    }

    /**
     * An override's value as HOCON: objects, lists, quoted strings and substitutions are parsed as written;
     * anything else is taken literally as a string (so {@code s3a://b/p} is not cut at "//", a HOCON comment).
     * The typed getters convert "3" or "true" where a number or boolean is declared.
     */
    static String hoconValue(String raw) {
        if (raw.startsWith("{") || raw.startsWith("[") || raw.startsWith("\"") || raw.startsWith("${")) return raw;
        return ConfigUtil.quoteString(raw);
    }

    /** Fails on the first key under {@code reid} that the reference does not have, naming its origin. */
    static void checkKnownKeys(Config config, Config reference) {
        Set<String> open = new TreeSet<>(reference.hasPath(OPEN_SECTIONS)
                ? reference.getStringList(OPEN_SECTIONS) : List.of());
        if (!config.hasPath(ROOT)) return;
        List<String> unknown = new ArrayList<>();
        walk(config.getObject(ROOT), ROOT, reference, open, unknown);
        if (!unknown.isEmpty()) {
            throw new ConfigError("unknown config key" + (unknown.size() > 1 ? "s" : "") + ": "
                    + String.join("; ", unknown) + ". Every key must be declared in a reference.conf"
                    + " (see core/src/main/resources/reference.conf and spark-jobs/src/main/resources/reference.conf)");
        }
    }

    private static void walk(ConfigObject obj, String prefix, Config reference, Set<String> open, List<String> unknown) {
        if (open.contains(prefix)) return;
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String path = prefix + "." + quoteIfNeeded(e.getKey());
            if (!reference.hasPathOrNull(path)) {
                unknown.add("'" + path + "' (" + where(e.getValue().origin()) + ")" + suggestion(path, reference));
                continue;
            }
            if (e.getValue().valueType() == ConfigValueType.OBJECT) {
                walk((ConfigObject) e.getValue(), path, reference, open, unknown);
            }
        }
    }

    private static String quoteIfNeeded(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
    }

    private static String where(ConfigOrigin origin) {
        if (origin == null) return "unknown origin";
        String d = origin.description();
        return d == null ? "unknown origin" : d;
    }

    /** "did you mean" for a near miss among the sibling keys. */
    private static String suggestion(String path, Config reference) {
        int dot = path.lastIndexOf('.');
        String parent = path.substring(0, dot);
        String leaf = path.substring(dot + 1);
        if (!reference.hasPath(parent)) return "";
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String sibling : reference.getObject(parent).keySet()) {
            int d = editDistance(leaf, sibling);
            if (d < bestDistance) {
                bestDistance = d;
                best = sibling;
            }
        }
        return best != null && bestDistance <= Math.max(2, leaf.length() / 3)
                ? ", did you mean '" + parent + "." + best + "'?" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The {@code reid} subtree with the value of every secret key ({@link Secrets#isSecret}: Hadoop's sensitive keys and
     * the project's patterns; strings, numbers and booleans alike) replaced by {@code <redacted>}; empty values stay
     * empty, so a reader sees that no secret was set.
     */
    public static Config redacted(Config config) {
        Config c = config.hasPath(ROOT) ? config.withOnlyPath(ROOT) : ConfigFactory.empty();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            ConfigValueType type = e.getValue().valueType();
            if (type == ConfigValueType.NULL || !Secrets.isSecret(e.getKey())) continue;
            if (type == ConfigValueType.STRING && ((String) e.getValue().unwrapped()).isEmpty()) continue;
            c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(Secrets.REDACTED));
        }
        return c;
    }

    /**
     * The resolved {@code reid} tree without its secret keys, as HOCON text: the experiment a cluster-mode submission
     * ships to its driver. Secrets are left out, not redacted, so that the driver's own environment supplies them
     * (the reference's {@code ${?AWS_SECRET_ACCESS_KEY}} and the like).
     */
    public static String shippable(Config config) {
        Config c = config.hasPath(ROOT) ? config.withOnlyPath(ROOT) : ConfigFactory.empty();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            if (Secrets.isSecret(e.getKey())) c = c.withoutPath(e.getKey());
        }
        return c.root().render(ConfigRenderOptions.concise().setJson(false));
    }

    /** The resolved {@code reid} tree, secrets redacted, as HOCON text fit to print or save with a run. */
    public static String render(Config config) {
        return redacted(config).root().render(ConfigRenderOptions.defaults()
                .setOriginComments(false).setComments(false).setFormatted(true).setJson(false));
    }
}
