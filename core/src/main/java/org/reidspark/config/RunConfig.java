package org.reidspark.config;

import com.typesafe.config.Config;

/**
 * {@code reid.run}: where a run's artifact directory goes and how the run is seeded.
 *
 * @param name      the run's directory name under {@code output}
 * @param output    base path or URI (local path, {@code s3a://bucket/prefix}, {@code hdfs://...})
 * @param seed      the run's master seed; every random stream derives from it
 * @param overwrite replace an existing run directory of the same name instead of failing
 */
public record RunConfig(String name, String output, long seed, boolean overwrite) {
    public RunConfig {
        Check.nonBlank("reid.run.name", name);
        if (name.contains("/") || name.startsWith(".")) {
            throw ConfigError.badValue("reid.run.name", name, "a plain directory name (no '/', not starting with '.')");
        }
        Check.nonBlank("reid.run.output", output);
    }

    public static RunConfig from(Config c) {
        Config r = c.getConfig("reid.run");
        return new RunConfig(r.getString("name"), r.getString("output"), r.getLong("seed"), r.getBoolean("overwrite"));
    }
}
