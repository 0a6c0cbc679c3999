package org.reidspark.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Manifest;
import org.reidspark.method.Method;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a training run's mathematics depends on, as flat {@code key -> value} strings: the method and its section of
 * the config, the backbone, input, augmentation and sampler, the epochs and schedule, the warm start, the seed, the
 * data (the manifest's hash) and, for the Spark trainer, the workers and averaging. Written beside a run's checkpoints when
 * training starts ({@value #FILE}); a run resumes from its checkpoint only when the fingerprint is the same, and a
 * mismatch is an error naming every differing key (with its old and new value), unless
 * {@code reid.run.resume-with-changes} says to go on anyway. Settings that do not change what is computed (logging,
 * loader threads, evaluation, a method's {@link org.reidspark.method.MethodConfig#evaluationKeys()}) are left out.
 *
 * @param values the settings by key, sorted
 */
public record Fingerprint(Map<String, String> values) {
    /** The fingerprint's file in a run's checkpoint directory. */
    public static final String FILE = "fingerprint.json";
    /** A run directory's checkpoint folder. */
    public static final String CHECKPOINTS = "checkpoints";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Config paths whose every value is part of the fingerprint (the method's own section is added). */
    private static final List<String> SECTIONS = List.of("reid.method", "reid.model", "reid.input", "reid.augment",
            "reid.sampler", "reid.train.epochs", "reid.train.schedule", "reid.train.init-from", "reid.run.seed");
    /** The Spark trainer's settings that change the result. */
    public static final List<String> DISTRIBUTED = List.of("reid.distributed.workers", "reid.distributed.averaging-steps",
            "reid.distributed.lr-scaling");

    public Fingerprint {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * The fingerprint of training {@code method} with {@code config} on {@code manifest}.
     *
     * @param extra further config paths that matter to the trainer (e.g. {@link #DISTRIBUTED})
     */
    public static Fingerprint of(Config config, Method method, Manifest manifest, List<String> extra) {
        Map<String, String> v = new TreeMap<>();
        List<String> paths = new ArrayList<>(SECTIONS);
        paths.add(method.config().section());
        paths.addAll(extra);
        for (String path : paths) {
            if (!config.hasPath(path)) continue;
            ConfigValue value = config.getValue(path);
            if (value instanceof com.typesafe.config.ConfigObject) {
                for (Map.Entry<String, ConfigValue> e : config.getConfig(path).entrySet()) {
                    if (path.equals(method.config().section()) && method.config().evaluationKeys().contains(e.getKey())) continue;
                    v.put(path + "." + e.getKey(), render(e.getValue()));
                }
            } else {
                v.put(path, render(value));
            }
        }
        v.put("data.manifest-sha256", manifest.hash());
        return new Fingerprint(v);
    }

    /**
     * A value as text that does not depend on how it was written: {@code 4}, {@code "4"} (a command-line override) and
     * {@code 4.0} are one value, as are {@code 3.5e-4} and {@code 0.00035}.
     */
    static String render(ConfigValue value) {
        return normalize(value.unwrapped());
    }

    private static String normalize(Object v) {
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object o : list) items.add(normalize(o));
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, String> m = new TreeMap<>();
            map.forEach((k, x) -> m.put(String.valueOf(k), normalize(x)));
            return m.toString();
        }
        String s = String.valueOf(v);
        try {
            return new java.math.BigDecimal(s.trim()).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException notANumber) {
            return s;
        }
    }

    /** {@code key: old -> new} for every key whose value differs (or exists on one side only). */
    public List<String> differences(Fingerprint now) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(values.keySet());
        keys.addAll(now.values.keySet());
        for (String k : keys) {
            String a = values.get(k);
            String b = now.values.get(k);
            if (a == null ? b != null : !a.equals(b)) out.add(k + ": " + (a == null ? "(absent)" : a) + " -> " + (b == null ? "(absent)" : b));
        }
        return out;
    }

    /** Writes the fingerprint into {@code dir} (a run's checkpoint directory). */
    public void write(Storage storage, Path dir) throws IOException {
        storage.writeString(new Path(dir, FILE), JSON.writeValueAsString(values));
    }

    /** The fingerprint in {@code dir}, or empty when there is none (a run from before fingerprints). */
    public static Optional<Fingerprint> read(Storage storage, Path dir) throws IOException {
        Path f = new Path(dir, FILE);
        if (!storage.exists(f)) return Optional.empty();
        return Optional.of(new Fingerprint(JSON.readValue(storage.readString(f), new TypeReference<LinkedHashMap<String, String>>() {
        })));
    }

    /**
     * {@link #check} against the checkpoint of the stopped run {@code run} (its unpublished directory), if there is
     * one; reads only, so a job calls it before it touches the run directory. A published run is not resumed (its
     * job refuses to write over it), so it is not checked here.
     */
    public static void checkStopped(Storage storage, org.reidspark.config.RunConfig run, Fingerprint now, boolean override)
            throws IOException {
        Path published = new Path(Storage.path(run.output()), run.name());
        if (org.reidspark.artifact.RunDirectory.isPublished(storage, published)) return;
        org.reidspark.train.Checkpoints stopped = new org.reidspark.train.Checkpoints(storage,
                new Path(org.reidspark.artifact.RunDirectory.incomplete(storage, run), CHECKPOINTS));
        check(storage, stopped.dir(), now, stopped.exists(), override, "run " + run.name());
    }

    /** {@link #check}, then records {@code now} in {@code dir} (a fresh run, or one resumed with the override). */
    public static void checkAndRecord(Storage storage, Path dir, Fingerprint now, boolean resuming, boolean override, String what)
            throws IOException {
        check(storage, dir, now, resuming, override, what);
        now.write(storage, dir);
    }

    /**
     * Refuses to resume {@code what} from the checkpoint in {@code dir} when its fingerprint differs from
     * {@code now}, naming every differing key, unless {@code override} (then it warns); a checkpoint without a
     * fingerprint is refused the same way. Reads only: a job calls it before it touches the run directory.
     *
     * @param resuming whether a checkpoint is about to be resumed
     * @param override {@code reid.run.resume-with-changes}
     */
    public static void check(Storage storage, Path dir, Fingerprint now, boolean resuming, boolean override, String what)
            throws IOException {
        if (resuming) {
            Optional<Fingerprint> then = read(storage, dir);
            List<String> diff = then.map(f -> f.differences(now)).orElse(List.of("(the checkpoint has no " + FILE + ")"));
            if (!diff.isEmpty()) {
                if (!override) {
                    throw new ConfigError("cannot resume " + what + " from its checkpoint in " + dir
                            + ": it was trained with other settings or data; " + String.join("; ", diff)
                            + ". Start a new run (another reid.run.name, or reid.run.overwrite=true), or set"
                            + " reid.run.resume-with-changes=true to resume anyway");
                }
                org.slf4j.LoggerFactory.getLogger(Fingerprint.class).warn("resuming {} with changed settings or data "
                        + "(reid.run.resume-with-changes): {}", what, String.join("; ", diff));
            }
        }
    }
}
