package org.reidspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.eval.EvaluationDetails;

import java.io.IOException;
import java.util.Optional;

/**
 * What a report reads, all of it from the artifacts of one directory through {@link Storage} (local or
 * {@code s3a://}): a training run ({@code train}, {@code train-local}) or an evaluation ({@code evaluate}).
 * {@code metrics.json} is required; the rest is read when present: {@code run.json}, {@code config.conf},
 * {@code curve.json} (for an evaluation, the evaluated model's run's), and the evaluation details
 * ({@link EvaluationDetails}: {@code rank-list.csv}, {@code queries.csv}, {@code camera-pairs.json}).
 */
public final class RunArtifacts {
    public static final String METRICS = "metrics.json";
    public static final String RUN_INFO = "run.json";
    public static final String CONFIG = "config.conf";
    public static final String CURVE = "curve.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final Path dir;
    private final Path location;
    private final JsonNode metrics;
    private final JsonNode runInfo;
    private final Config config;
    private final String configText;
    private final JsonNode curve;
    private final Path curveSource;

    private RunArtifacts(Storage storage, Path dir, Path location, JsonNode metrics, JsonNode runInfo, String configText, JsonNode curve,
                         Path curveSource) {
        this.storage = storage;
        this.dir = dir;
        this.location = location;
        this.metrics = metrics;
        this.runInfo = runInfo;
        this.configText = configText;
        this.config = configText == null ? ConfigFactory.empty() : ConfigFactory.parseString(configText);
        this.curve = curve;
        this.curveSource = curveSource;
    }

    /** Reads the artifacts of {@code dir}; fails when it has no {@code metrics.json}. */
    public static RunArtifacts read(Storage storage, Path dir) throws IOException {
        return read(storage, dir, dir);
    }

    /**
     * Reads the artifacts of {@code dir}, a run that will be published as {@code location} (a job writes the report
     * before it publishes its run: the page names where the run will be).
     */
    public static RunArtifacts read(Storage storage, Path dir, Path location) throws IOException {
        Path metricsFile = new Path(dir, METRICS);
        if (!storage.exists(metricsFile)) {
            throw new IOException("no " + METRICS + " in " + dir + ": a report needs a training run (train, train-local) or"
                    + " an evaluation (evaluate)");
        }
        JsonNode metrics = JSON.readTree(storage.readString(metricsFile));
        JsonNode info = json(storage, new Path(dir, RUN_INFO)).orElse(MissingNode.getInstance());
        String config = text(storage, new Path(dir, CONFIG)).orElse(null);
        Path curveAt = new Path(dir, CURVE);
        Optional<JsonNode> curve = json(storage, curveAt);
        String modelRun = metrics.path("model").path("run").asText("");
        if (curve.isEmpty() && !modelRun.isEmpty()) {
            // an evaluation: the learning curve is its model's run's
            curveAt = new Path(Storage.path(modelRun), CURVE);
            curve = json(storage, curveAt);
        }
        return new RunArtifacts(storage, dir, location, metrics, info, config, curve.orElse(null), curve.isPresent() ? curveAt : null);
    }

    public Storage storage() {
        return storage;
    }

    /** The directory the artifacts were read from. */
    public Path dir() {
        return dir;
    }

    /** Where the run is (or will be, once published). */
    public Path location() {
        return location;
    }

    /** The run's name: {@code run.json}'s, else the name of its location. */
    public String name() {
        String n = runInfo.path("runName").asText("");
        return n.isEmpty() ? location.getName() : n;
    }

    public JsonNode metrics() {
        return metrics;
    }

    /** {@code run.json}, or a missing node. */
    public JsonNode runInfo() {
        return runInfo;
    }

    /** The job that made the directory ({@code run.json}'s {@code job}), or "unknown". */
    public String job() {
        return runInfo.path("job").asText("unknown");
    }

    /** True for an evaluation made by the evaluate job. */
    public boolean isEvaluation() {
        return metrics.has("evaluation");
    }

    /** The method: run.json's (training runs) or the evaluated model's. */
    public String method() {
        String m = runInfo.path("method").asText("");
        if (m.isEmpty()) m = metrics.path("model").path("method").asText("");
        if (m.isEmpty() && config.hasPath("reid.method")) m = config.getString("reid.method");
        return m.isEmpty() ? "unknown" : m;
    }

    /** The dataset's name, or "unknown". */
    public String dataset() {
        String d = runInfo.path("data").path("dataset").asText("");
        if (d.isEmpty()) d = metrics.path("data").path("dataset").asText("");
        return d.isEmpty() ? "unknown" : d;
    }

    /** The resolved config as saved ({@code config.conf}); empty when there is none. */
    public Config config() {
        return config;
    }

    public Optional<String> configText() {
        return Optional.ofNullable(configText);
    }

    /** {@code curve.json}: one element per epoch; empty when there is none. */
    public Optional<JsonNode> curve() {
        return Optional.ofNullable(curve);
    }

    /** Where the curve was read from. */
    public Optional<Path> curveSource() {
        return Optional.ofNullable(curveSource);
    }

    /** {@code rank-list.csv} of the directory, when written. */
    public Optional<CsvTable> rankLists() throws IOException {
        return csv(EvaluationDetails.RANK_LIST_CSV);
    }

    /** {@code queries.csv} (each query's AP and first-match rank), when written. */
    public Optional<CsvTable> queries() throws IOException {
        return csv(EvaluationDetails.QUERIES_CSV);
    }

    /** {@code camera-pairs.json}, when written. */
    public Optional<JsonNode> cameraPairs() throws IOException {
        return json(storage, new Path(dir, EvaluationDetails.CAMERA_PAIRS));
    }

    private Optional<CsvTable> csv(String name) throws IOException {
        Path p = new Path(dir, name);
        Optional<String> text = text(storage, p);
        return text.isEmpty() ? Optional.empty() : Optional.of(CsvTable.parse(p.toString(), text.get()));
    }

    private static Optional<String> text(Storage storage, Path p) throws IOException {
        return storage.exists(p) ? Optional.of(storage.readString(p)) : Optional.empty();
    }

    private static Optional<JsonNode> json(Storage storage, Path p) throws IOException {
        Optional<String> t = text(storage, p);
        return t.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(t.get()));
    }
}
