package org.reidspark.artifact;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's artifact directory, written under a temporary name beside its final place and published
 * atomically: on a file system with atomic rename (local, HDFS) by one rename; on object stores
 * (s3a://) by copying and then writing the {@code _PUBLISHED} marker last, so a reader that checks the
 * marker never sees a half-written run. An existing published run is never replaced unless
 * {@code reid.run.overwrite} is set.
 *
 * <p>Every run directory holds {@code config.conf} (the resolved config, secrets redacted) and
 * {@code run.json} (provenance, seeds, timings, and whatever the job adds).
 */
public final class RunDirectory implements AutoCloseable {
    public static final String MARKER = "_PUBLISHED";
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Storage storage;
    private final Path finalPath;
    private final Path workPath;
    private final boolean overwrite;
    private final Map<String, Object> runInfo = new LinkedHashMap<>();
    private final long startMillis = System.currentTimeMillis();
    private boolean published;
    private boolean keepOnFailure;

    private RunDirectory(Storage storage, Path finalPath, Path workPath, boolean overwrite) {
        this.storage = storage;
        this.finalPath = finalPath;
        this.workPath = workPath;
        this.overwrite = overwrite;
    }

    /**
     * Opens a new run directory for {@code run} and writes its config; fails at once if a published run
     * of that name exists and overwrite is off, so no work is wasted.
     */
    public static RunDirectory create(Storage storage, RunConfig run, Config config, String job) throws IOException {
        Path base = Storage.path(run.output());
        Path finalPath = new Path(base, run.name());
        FileSystem fs = storage.fs(finalPath);
        if (fs.exists(finalPath) && !run.overwrite()) {
            throw new IOException("run directory " + finalPath + " already exists; choose another reid.run.name"
                    + " or set reid.run.overwrite=true to replace it");
        }
        Path work = incomplete(run);
        if (fs.exists(work)) {
            LOG.info("continuing in the incomplete run directory {} (checkpoints there are resumed)", work);
        }
        fs.mkdirs(work);
        RunDirectory dir = new RunDirectory(storage, finalPath, work, run.overwrite());
        storage.writeString(new Path(work, "config.conf"), ConfigLoader.render(config));
        dir.runInfo.put("job", job);
        dir.runInfo.put("runName", run.name());
        dir.runInfo.put("seed", run.seed());
        dir.runInfo.put("started", Instant.ofEpochMilli(dir.startMillis).toString());
        dir.runInfo.put("provenance", Provenance.current());
        return dir;
    }

    /**
     * Where an unpublished run of {@code run.name()} is written: a dot-named sibling of the final directory,
     * stable across attempts so that a run restarted after a crash finds its checkpoints.
     */
    public static Path incomplete(RunConfig run) {
        return new Path(Storage.path(run.output()), "._incomplete-" + run.name());
    }

    /** Where files are written until {@link #publish()}. */
    public Path work() {
        return workPath;
    }

    /** Where the run will live once published. */
    public Path location() {
        return finalPath;
    }

    /** A path inside the run (under the work directory until published). */
    public Path resolve(String relative) {
        return new Path(workPath, relative);
    }

    /** Adds a field to {@code run.json}. */
    public RunDirectory info(String key, Object value) {
        runInfo.put(key, value);
        return this;
    }

    public void writeJson(String relative, Object value) throws IOException {
        Path p = resolve(relative);
        try (OutputStream out = storage.fs(p).create(p, true)) {
            JSON.writeValue(out, value);
        }
    }

    /** Writes every network of a run as {@code model/<name>.zip} (DL4J format, without optimizer state). */
    public void writeModels(java.util.Map<String, org.deeplearning4j.nn.graph.ComputationGraph> networks) throws IOException {
        for (java.util.Map.Entry<String, org.deeplearning4j.nn.graph.ComputationGraph> e : networks.entrySet()) {
            Path p = resolve("model/" + e.getKey() + ".zip");
            try (OutputStream out = storage.fs(p).create(p, true)) {
                org.deeplearning4j.util.ModelSerializer.writeModel(e.getValue(), out, false);
            }
        }
    }

    public void writeString(String relative, String text) throws IOException {
        storage.writeString(resolve(relative), text);
    }

    /**
     * Writes run.json as it stands now (finish time and wall time so far), for what reads the run before it is
     * published, such as its report; {@link #publish()} writes it again.
     */
    public void writeRunInfo() throws IOException {
        long end = System.currentTimeMillis();
        runInfo.put("finished", Instant.ofEpochMilli(end).toString());
        runInfo.put("wallSeconds", (end - startMillis) / 1000.0);
        writeJson("run.json", runInfo);
    }

    /** Writes run.json, moves the directory to its final name and writes the marker. */
    public Path publish() throws IOException {
        writeRunInfo();
        FileSystem fs = storage.fs(finalPath);
        if (fs.exists(finalPath)) {
            if (!overwrite) {
                throw new IOException("run directory " + finalPath + " appeared while this run was writing; "
                        + "its output is left in " + workPath);
            }
            fs.delete(finalPath, true);
        }
        if (!fs.rename(workPath, finalPath)) {
            throw new IOException("could not publish " + workPath + " as " + finalPath);
        }
        storage.writeString(new Path(finalPath, MARKER), Instant.now().toString() + "\n");
        published = true;
        LOG.info("published run directory {}", finalPath);
        return finalPath;
    }

    /** True when {@code dir} is a completely published run. */
    public static boolean isPublished(Storage storage, Path dir) throws IOException {
        return storage.exists(new Path(dir, MARKER));
    }

    /**
     * Keeps the work directory if the run fails (a training run: its checkpoints let the same run resume when
     * started again). It stays under its dot-named incomplete name without the {@code _PUBLISHED} marker, so it
     * never looks complete.
     */
    public RunDirectory keepOnFailure() {
        keepOnFailure = true;
        return this;
    }

    /** Unless published or kept for resuming, removes the work directory: a failed run leaves nothing behind. */
    @Override
    public void close() {
        if (published) return;
        if (keepOnFailure) {
            LOG.warn("run not published; its partial output and checkpoints stay in {} for a restart to resume", workPath);
            return;
        }
        try {
            FileSystem fs = storage.fs(workPath);
            if (fs.exists(workPath)) fs.delete(workPath, true);
        } catch (IOException e) {
            LOG.warn("could not remove unpublished work directory {}: {}", workPath, e.getMessage());
        }
    }
}
