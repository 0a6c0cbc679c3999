package org.reidspark.jobs.retrain;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.registry.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The machine-readable status of one pipeline run, rewritten in one step at every stage: to the status file the
 * scheduler names ({@code reid.retrain.status-file}, every run), and, once the run holds the registry's lease, to
 * {@code <registry>/runs/<run id>.json}. {@code state} is {@code running}, then one of {@code promoted},
 * {@code rejected}, {@code nothing-to-do}, {@code busy} or {@code failed}, with the exit code; {@code stages} gives
 * each stage's seconds.
 */
final class RunStatus {
    private static final Logger LOG = LoggerFactory.getLogger(RunStatus.class);

    private final Registry registry;
    private final String statusFile;
    private final Map<String, Object> status = new LinkedHashMap<>();
    private final List<Map<String, Object>> stages = new ArrayList<>();
    private boolean leased;
    private long stageStart;

    RunStatus(Registry registry, String statusFile, String job, String runId) {
        this.registry = registry;
        this.statusFile = statusFile;
        status.put("runId", runId);
        status.put("job", job);
        status.put("registry", registry.root().toString());
        status.put("host", host());
        status.put("pid", ProcessHandle.current().pid());
        status.put("started", Instant.now().toString());
        status.put("state", "running");
        status.put("stage", null);
        status.put("stages", stages);
    }

    String runId() {
        return (String) status.get("runId");
    }

    /** Ends the current stage (its seconds recorded) and starts {@code name}. */
    void stage(String name) {
        endStage();
        status.put("stage", name);
        stageStart = System.nanoTime();
        write();
    }

    private void endStage() {
        if (status.get("stage") != null && stageStart != 0) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", status.get("stage"));
            s.put("seconds", Double.parseDouble(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - stageStart) / 1e9)));
            stages.add(s);
            stageStart = 0;
        }
    }

    RunStatus put(String key, Object value) {
        status.put(key, value);
        return this;
    }

    /** From now on the status is also kept in the registry. */
    void leased() {
        leased = true;
        write();
    }

    /** The run's outcome: its final state, exit code and one-line message. */
    void finish(String state, int exitCode, String message) {
        endStage();
        status.put("stage", null);
        status.put("state", state);
        status.put("exitCode", exitCode);
        status.put("message", message);
        status.put("finished", Instant.now().toString());
        write();
    }

    /** Best effort: a status that cannot be written is logged, never the reason a run fails. */
    private void write() {
        status.put("updated", Instant.now().toString());
        if (!statusFile.isBlank()) {
            try {
                registry.writeJson(Storage.path(statusFile), status);
            } catch (Exception e) {
                LOG.warn("cannot write the status file {}: {}", statusFile, e.getMessage());
            }
        }
        if (leased) {
            Path p = registry.runRecord(runId());
            try {
                registry.writeJson(p, status);
            } catch (Exception e) {
                LOG.warn("cannot write the run's status {}: {}", p, e.getMessage());
            }
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
