package org.reidspark.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import org.reidspark.config.Check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code reid.spark}: how jobs start Spark.
 *
 * @param master  the Spark master used when spark-submit was not given {@code --master}
 * @param appName the application name shown in the Spark UI (the job name is appended)
 * @param conf    any {@code spark.*} properties, passed to the session verbatim
 */
public record SparkConfig(String master, String appName, Map<String, String> conf) {
    public SparkConfig {
        Check.nonBlank("reid.spark.master", master);
        Check.nonBlank("reid.spark.app-name", appName);
        for (String k : conf.keySet()) {
            if (!k.startsWith("spark.")) {
                throw new org.reidspark.config.ConfigError("config key 'reid.spark.conf.\"" + k
                        + "\"': Spark properties start with \"spark.\" (quote the name: \"spark.executor.memory\" = 4g)");
            }
        }
        conf = Map.copyOf(conf);
    }

    public static SparkConfig from(Config c) {
        return new SparkConfig(c.getString("reid.spark.master"), c.getString("reid.spark.app-name"),
                flatten(c, "reid.spark.conf"));
    }

    /** {@code reid.hadoop}'s pass-through Hadoop properties. */
    static Map<String, String> hadoopPassThrough(Config c) {
        return flatten(c, "reid.hadoop");
    }

    private static Map<String, String> flatten(Config c, String path) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!c.hasPath(path)) return m;
        for (Map.Entry<String, ConfigValue> e : c.getConfig(path).entrySet()) {
            m.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped()));
        }
        return m;
    }
}
