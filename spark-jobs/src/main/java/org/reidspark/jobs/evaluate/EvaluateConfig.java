package org.reidspark.jobs.evaluate;

import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.config.RunConfig;

import java.util.List;

/**
 * {@code reid.evaluate}: which trained run is evaluated on which data, and where the evaluation is published.
 *
 * @param run     the published training run ({@code reid.evaluate.run}); empty for {@code <reid.run.output>/<reid.run.name>}
 * @param data    {@code run} (the shard set the run was trained on), {@code catalog} (the dataset of {@code reid.data})
 *                or {@code shards} (the shard set at {@code shards})
 * @param shards  the shard set for {@code data = shards}
 * @param name    the evaluation's name; empty for {@code <dataset>-<protocol>[-rerank]}
 * @param output  where the evaluation is published as {@code <output>/<name>}; empty for {@code <run>/evaluations}
 * @param topK    gallery items per query in the rank lists; 0 for no rank lists
 * @param formats rank-list files: {@code parquet} and/or {@code csv}
 */
public record EvaluateConfig(String run, String data, String shards, String name, String output, int topK,
                             List<String> formats) {
    /** The {@code data} values. */
    public static final List<String> SOURCES = List.of("run", "catalog", "shards");
    /** The {@code formats} values. */
    public static final List<String> FORMATS = List.of("parquet", "csv");

    public EvaluateConfig {
        Check.oneOf("reid.evaluate.data", data, SOURCES.toArray(String[]::new));
        if (data.equals("shards") && shards.isBlank()) {
            throw ConfigError.badValue("reid.evaluate.shards", shards,
                    "the location of a published shard set (reid.evaluate.data = shards)");
        }
        if (!name.isEmpty() && (name.contains("/") || name.startsWith(".") || name.startsWith("_"))) {
            throw ConfigError.badValue("reid.evaluate.name", name, "a plain directory name (no '/', not starting with '.' or '_')");
        }
        Check.nonNegative("reid.evaluate.top-k", topK);
        for (String f : formats) Check.oneOf("reid.evaluate.formats", f, FORMATS.toArray(String[]::new));
        formats = List.copyOf(formats);
    }

    public static EvaluateConfig from(Config c) {
        Config e = c.getConfig("reid.evaluate");
        return new EvaluateConfig(e.getString("run"), e.getString("data"), e.getString("shards"), e.getString("name"),
                e.getString("output"), e.getInt("top-k"), e.getStringList("formats"));
    }

    /** The run to evaluate: {@code run}, or the run {@code reid.run} names. */
    public String runLocation(RunConfig reidRun) {
        return run.isEmpty() ? new Path(Storage.path(reidRun.output()), reidRun.name()).toString() : run;
    }

    /** Where the evaluation is published: {@code output/name}, by default inside the model run. */
    public RunConfig target(Path modelRun, String defaultName, RunConfig reidRun) {
        String base = output.isEmpty() ? new Path(modelRun, EvaluateJob.EVALUATIONS).toString() : output;
        return new RunConfig(name.isEmpty() ? defaultName : name, base, reidRun.seed(), reidRun.overwrite());
    }

    /** Whether rank lists are written at all. */
    public boolean rankLists() {
        return topK > 0 && !formats.isEmpty();
    }
}
