package org.reidspark.jobs;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;

/**
 * A job output named by one config key ({@code reid.shard.output}, {@code reid.extract.output}): a folder path or URI
 * that is published as a run directory, or empty for {@code <reid.run.output>/<reid.run.name>}.
 */
public final class OutputLocation {
    private OutputLocation() {
    }

    /** Checks that a non-empty {@code location} is a folder below another folder whose name does not start with '.' or '_'. */
    public static void check(String key, String location, String example) {
        if (location.isEmpty()) return;
        Path p = Storage.path(location);
        String name = p.getName();
        if (p.getParent() == null || name.isEmpty() || name.startsWith(".") || name.startsWith("_")) {
            throw ConfigError.badValue(key, location,
                    "a folder path or URI below another folder, not starting with '.' or '_', e.g. " + example);
        }
    }

    /** The run directory {@code location} is published as: its parent and name, {@code run}'s seed and overwrite; {@code run} when empty. */
    public static RunConfig target(String location, RunConfig run) {
        if (location.isEmpty()) return run;
        Path p = Storage.path(location);
        return new RunConfig(p.getName(), p.getParent().toString(), run.seed(), run.overwrite());
    }
}
