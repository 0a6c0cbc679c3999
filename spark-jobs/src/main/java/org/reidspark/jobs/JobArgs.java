package org.reidspark.jobs;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's parsed command line: {@code [--conf FILE] [--flag value ...] [key=value ...]}.
 * Flags bound to a config key become overrides (in command-line order, after the plain {@code key=value}
 * ones given before them), so every setting goes through the same validation.
 */
public final class JobArgs {
    /**
     * The experiment shipped with a cluster-mode submission (submit/reid): its resolved config without secrets, gzipped
     * and base64-encoded, in place of {@code --conf FILE}, whose path would be resolved on the cluster's node.
     */
    public static final String SHIPPED_EXPERIMENT = "--shipped-experiment";
    /** Prints the {@link #SHIPPED_EXPERIMENT} value for this command line and exits (submit/reid asks for it). */
    public static final String SHIP_CONFIG = "--ship-config";

    private final File confFile;
    private final List<String> overrides;
    private final Map<String, String> plain;
    private final boolean help;
    private final boolean printConfig;
    private final String getKey;
    private final String shippedExperiment;
    private final boolean shipConfig;
    private final List<String> positional;

    private JobArgs(File confFile, List<String> overrides, Map<String, String> plain, boolean help,
                    boolean printConfig, String getKey, String shippedExperiment, boolean shipConfig,
                    List<String> positional) {
        this.shippedExperiment = shippedExperiment;
        this.shipConfig = shipConfig;
        this.confFile = confFile;
        this.overrides = overrides;
        this.plain = plain;
        this.help = help;
        this.printConfig = printConfig;
        this.getKey = getKey;
        this.positional = List.copyOf(positional);
    }

    public static JobArgs parse(Job job, List<String> args) {
        File conf = null;
        List<String> overrides = new ArrayList<>();
        Map<String, String> plain = new LinkedHashMap<>();
        boolean help = false;
        boolean print = false;
        String get = null;
        String shipped = null;
        boolean ship = false;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
            } else if (a.equals(SHIPPED_EXPERIMENT)) {
                shipped = value(job, args, i++, a);
            } else if (a.equals(SHIP_CONFIG)) {
                ship = true;
            } else if (a.equals("--print-config")) {
                print = true;
            } else if (a.equals("--conf")) {
                conf = new File(value(job, args, i++, a));
            } else if (a.equals("--get-config")) {
                get = value(job, args, i++, a);
            } else if (a.startsWith("--")) {
                String flag = a;
                String inline = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    flag = a.substring(0, eq);
                    inline = a.substring(eq + 1);
                }
                JobOption opt = find(job, flag);
                String v;
                if (opt.takesValue()) {
                    v = inline != null ? inline : value(job, args, i++, flag);
                } else {
                    if (inline != null) throw new UsageError(flag + " takes no value");
                    v = "true";
                }
                if (opt.configKey() != null) overrides.add(opt.configKey() + "=" + v);
                else plain.put(opt.flag(), v);
            } else if (a.indexOf('=') > 0) {
                overrides.add(a);
            } else if (job.arguments() != null) {
                positional.add(a);
            } else {
                throw new UsageError("unexpected argument \"" + a + "\" for job " + job.name()
                        + "; expected --flags or key=value overrides (see submit/reid " + job.name() + " --help)");
            }
        }
        if (shipped != null && conf != null) {
            throw new UsageError("give --conf FILE or " + SHIPPED_EXPERIMENT + ", not both");
        }
        return new JobArgs(conf, overrides, plain, help, print, get, shipped, ship, positional);
    }

    private static String value(Job job, List<String> args, int i, String flag) {
        if (i + 1 >= args.size()) throw new UsageError(flag + " needs a value (see submit/reid " + job.name() + " --help)");
        return args.get(i + 1);
    }

    private static JobOption find(Job job, String flag) {
        for (JobOption o : job.options()) if (o.flag().equals(flag)) return o;
        List<String> known = new ArrayList<>(List.of("--conf", "--help", "--print-config"));
        for (JobOption o : job.options()) known.add(o.flag());
        throw new UsageError("unknown option " + flag + " for job " + job.name() + "; known: " + String.join(", ", known));
    }

    public File confFile() {
        return confFile;
    }

    public List<String> overrides() {
        return overrides;
    }

    public boolean help() {
        return help;
    }

    public boolean printConfig() {
        return printConfig;
    }

    /** The experiment text shipped with the submission ({@link #SHIPPED_EXPERIMENT}), decoded. */
    public Optional<String> shippedExperiment() {
        if (shippedExperiment == null) return Optional.empty();
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(shippedExperiment)))) {
            return Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new UsageError(SHIPPED_EXPERIMENT + " is not a gzipped, base64-encoded experiment: " + e.getMessage());
        }
    }

    /** {@code text} as the value of {@link #SHIPPED_EXPERIMENT}. */
    public static String encodeShipped(String text) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return java.util.Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    public boolean shipConfig() {
        return shipConfig;
    }

    public Optional<String> getConfigKey() {
        return Optional.ofNullable(getKey);
    }

    /** The plain arguments, in order (only for a job with {@link Job#arguments()}). */
    public List<String> positional() {
        return positional;
    }

    /** A plain (not config-bound) option's value. */
    public Optional<String> plain(String flag) {
        return Optional.ofNullable(plain.get(flag));
    }

    public boolean has(String flag) {
        return plain.containsKey(flag);
    }

    /** A required plain option's value, or a usage error naming it. */
    public String require(Job job, String flag) {
        String v = plain.get(flag);
        if (v == null) throw new UsageError("job " + job.name() + " needs " + flag + " (see submit/reid " + job.name() + " --help)");
        return v;
    }

    /** A plain option's value as a whole number of at least 1, {@code otherwise} when absent; a usage error naming it otherwise. */
    public int positiveInt(String flag, int otherwise) {
        String text = plain.get(flag);
        if (text == null) return otherwise;
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageError(flag + " needs a whole number of at least 1, got \"" + text + "\"");
    }
}
