package org.reidspark.jobs;

/**
 * A job's command-line flag.
 *
 * @param flag      e.g. {@code --identities}
 * @param argName   the value's name in help text, or null for a boolean switch (no value)
 * @param configKey the config key the value is written to ({@code --identities 50} is the override
 *                  {@code reid.synth.identities=50}), or null for a plain option the job reads itself
 * @param help      one line of help
 */
public record JobOption(String flag, String argName, String configKey, String help) {
    public JobOption {
        if (!flag.startsWith("--")) throw new IllegalArgumentException("flag must start with --: " + flag);
    }

    public boolean takesValue() {
        return argName != null;
    }

    public static JobOption config(String flag, String argName, String configKey, String help) {
        return new JobOption(flag, argName, configKey, help);
    }

    public static JobOption plain(String flag, String argName, String help) {
        return new JobOption(flag, argName, null, help);
    }

    public static JobOption toggle(String flag, String help) {
        return new JobOption(flag, null, null, help);
    }
}
