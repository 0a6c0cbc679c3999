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
 * A run's artifact directory, published atomically and in O(1) on every file system, with a lock on the run's name.
 *
 * <p><b>Where it is written.</b> On a file system whose rename is atomic (local, HDFS) the run is written under the
 * dot-named {@code ._incomplete-<name>} beside its final place, its {@code _PUBLISHED} marker is written into it last,
 * and one rename publishes it whole. On object stores ({@code s3a://} and every other scheme), where a rename is a copy
 * of every object and a delete, the run is written in place at {@code <name>/} and the {@code _PUBLISHED} marker,
 * written last, is the commit: readers ({@link #isPublished}, {@code TrainedModel}, {@code ShardSet}) trust only a
 * directory that has it. Either way a reader never sees a half-written run as complete.
 *
 * <p><b>Restarts.</b> A run that stopped (a crash, a killed driver) leaves its incomplete directory; starting the same
 * run again continues in it ({@link #create}: its checkpoints are resumed) or starts it afresh ({@link #createFresh},
 * for jobs that cannot resume). A final directory without the marker, which older versions left when a driver died
 * between their rename and the marker, is taken back as the incomplete directory.
 *
 * <p><b>One writer per name.</b> A lock file {@code ._lock-<name>} beside the run names its owner (host, process,
 * start) and is rewritten every {@value #HEARTBEAT_SECONDS} s; a second run of the same name fails at once naming the
 * first, and leaves its files alone. A lock is stale, and taken over, when its process is gone (same host) or its
 * heartbeat is older than {@value #STALE_SECONDS} s (a driver killed on another host, or a process number reused).
 *
 * <p>An existing published run is never replaced unless {@code reid.run.overwrite} is set. Every run directory holds
 * {@code config.conf} (the resolved config, secrets redacted) and {@code run.json} (provenance, seeds, timings, and
 * whatever the job adds).
 */
public final class RunDirectory implements AutoCloseable {
    public static final String MARKER = "_PUBLISHED";
    /** Seconds between two rewrites of a held lock. */
    public static final int HEARTBEAT_SECONDS = 10;
    /** Seconds after the last heartbeat at which a lock of another host counts as abandoned. */
    public static final int STALE_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String HOST = hostName();

    private final Storage storage;
    private final Path finalPath;
    private final Path workPath;
    private final boolean overwrite;
    private final RunLock lock;
    private final Map<String, Object> runInfo = new LinkedHashMap<>();
    private final long startMillis = System.currentTimeMillis();
    private boolean published;
    private boolean keepOnFailure;

    private RunDirectory(Storage storage, Path finalPath, Path workPath, boolean overwrite, RunLock lock) {
        this.storage = storage;
        this.finalPath = finalPath;
        this.workPath = workPath;
        this.overwrite = overwrite;
        this.lock = lock;
    }

    /**
     * Opens the run directory for {@code run}, continuing in an incomplete one an earlier attempt left (its checkpoints
     * are resumed), and writes its config. Fails at once if a published run of that name exists and overwrite is off, or
     * if another job holds the name, so no work is wasted.
     */
    public static RunDirectory create(Storage storage, RunConfig run, Config config, String job) throws IOException {
        return open(storage, run, config, job, false);
    }

    /**
     * As {@link #create}, but whatever an earlier, stopped attempt left in the incomplete directory is deleted first: for
     * jobs that cannot resume (their leftovers would mix with the new output).
     */
    public static RunDirectory createFresh(Storage storage, RunConfig run, Config config, String job) throws IOException {
        return open(storage, run, config, job, true);
    }

    private static RunDirectory open(Storage storage, RunConfig run, Config config, String job, boolean fresh) throws IOException {
        Path base = Storage.path(run.output());
        Path finalPath = new Path(base, run.name());
        FileSystem fs = storage.fs(finalPath);
        if (isPublished(storage, finalPath) && !run.overwrite()) {
            throw new IOException("run directory " + finalPath + " already exists; choose another reid.run.name"
                    + " or set reid.run.overwrite=true to replace it");
        }
        RunLock lock = RunLock.acquire(storage, new Path(base, "._lock-" + run.name()), job);
        try {
            Path work = incomplete(storage, run);
            boolean inPlace = work.equals(finalPath);
            if (inPlace && isPublished(storage, finalPath)) {
                // overwrite on an object store: the old run goes first (its marker before its files, so no reader
                // trusts a directory being deleted)
                LOG.warn("replacing the published run {} (reid.run.overwrite=true): it is deleted now", finalPath);
                fs.delete(new Path(finalPath, MARKER), false);
                fs.delete(finalPath, true);
            } else if (!inPlace && fs.exists(finalPath) && !isPublished(storage, finalPath)) {
                if (fs.exists(work)) {
                    throw new IOException("both " + finalPath + " (without " + MARKER + ": a publication that was cut short)"
                            + " and the incomplete " + work + " exist; delete the one that is not wanted");
                }
                LOG.warn("{} has no {} marker (a publication that was cut short): taking it back as {}", finalPath, MARKER, work);
                if (!fs.rename(finalPath, work)) throw new IOException("could not move " + finalPath + " back to " + work);
            }
            if (fs.exists(work)) {
                if (fresh) {
                    LOG.info("removing what a stopped attempt left in {}", work);
                    fs.delete(work, true);
                } else {
                    LOG.info("continuing in the incomplete run directory {} (checkpoints there are resumed)", work);
                }
            }
            fs.mkdirs(work);
            RunDirectory dir = new RunDirectory(storage, finalPath, work, run.overwrite(), lock);
            storage.writeString(new Path(work, "config.conf"), ConfigLoader.render(config));
            dir.runInfo.put("job", job);
            dir.runInfo.put("runName", run.name());
            dir.runInfo.put("seed", run.seed());
            dir.runInfo.put("started", Instant.ofEpochMilli(dir.startMillis).toString());
            dir.runInfo.put("provenance", Provenance.current());
            return dir;
        } catch (IOException | RuntimeException e) {
            lock.release();
            throw e;
        }
    }

    /**
     * Where an unpublished run of {@code run.name()} is written: on a file system with atomic rename, a dot-named
     * sibling of the final directory; on an object store, the final directory itself (without its marker). Stable
     * across attempts, so that a run restarted after a crash finds its checkpoints.
     */
    public static Path incomplete(Storage storage, RunConfig run) {
        Path finalPath = new Path(Storage.path(run.output()), run.name());
        return atomicRename(finalPath) ? new Path(Storage.path(run.output()), "._incomplete-" + run.name()) : finalPath;
    }

    /** True where a directory rename is one atomic step (local disks, HDFS); false on object stores. */
    static boolean atomicRename(Path p) {
        String scheme = p.toUri().getScheme();
        return scheme == null || scheme.equals("file") || scheme.equals("hdfs") || scheme.equals("viewfs");
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

    /**
     * Writes run.json and the {@code _PUBLISHED} marker, last: on a file system with atomic rename into the work
     * directory, which one rename then moves to its final name; on an object store in place, where the marker is the
     * commit. O(1) in the run's size either way.
     */
    public Path publish() throws IOException {
        writeRunInfo();
        FileSystem fs = storage.fs(finalPath);
        if (workPath.equals(finalPath)) {
            lock.check();
            storage.writeString(new Path(finalPath, MARKER), Instant.now().toString() + "\n");
        } else {
            if (fs.exists(finalPath)) {
                if (!overwrite) {
                    throw new IOException("run directory " + finalPath + " appeared while this run was writing; "
                            + "its output is left in " + workPath);
                }
                fs.delete(finalPath, true);
            }
            lock.check();
            storage.writeString(new Path(workPath, MARKER), Instant.now().toString() + "\n");
            if (!fs.rename(workPath, finalPath)) {
                fs.delete(new Path(workPath, MARKER), false);
                throw new IOException("could not publish " + workPath + " as " + finalPath);
            }
        }
        published = true;
        lock.release();
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
        try {
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
        } finally {
            lock.release();
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /**
     * The lock on a run's name: a small JSON file naming its owner, created only when absent (atomically on local
     * disks and HDFS, {@link AtomicFile#createIfAbsent}), rewritten whole by a daemon thread every
     * {@value #HEARTBEAT_SECONDS} s, deleted on release.
     */
    static final class RunLock {
        private final Storage storage;
        private final Path path;
        private final String owner;
        private final java.util.concurrent.ScheduledExecutorService heartbeat;
        private final Map<String, Object> content;
        private volatile boolean released;

        private RunLock(Storage storage, Path path, String owner, Map<String, Object> content, long heartbeatMillis) {
            this.storage = storage;
            this.path = path;
            this.owner = owner;
            this.content = content;
            this.heartbeat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "reid-run-lock-" + path.getName());
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleWithFixedDelay(this::beat, heartbeatMillis, heartbeatMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        static RunLock acquire(Storage storage, Path path, String job) throws IOException {
            return acquire(storage, path, job, HEARTBEAT_SECONDS * 1000L);
        }

        /** {@link #acquire(Storage, Path, String)} with the heartbeat every {@code heartbeatMillis} (tests beat fast). */
        static RunLock acquire(Storage storage, Path path, String job, long heartbeatMillis) throws IOException {
            FileSystem fs = storage.fs(path);
            String owner = java.util.UUID.randomUUID().toString();
            Map<String, Object> content = new LinkedHashMap<>();
            content.put("owner", owner);
            content.put("job", job);
            content.put("host", HOST);
            content.put("pid", ProcessHandle.current().pid());
            content.put("started", Instant.now().toString());
            String text = JSON.writeValueAsString(content);
            for (int attempt = 0; attempt < 2; attempt++) {
                if (fs.exists(path)) {
                    String stale = stale(storage, path);
                    if (stale == null) {
                        throw new RunLockedException("the run " + path.getParent() + "/" + path.getName().substring("._lock-".length())
                                + " is being written by another job (" + describe(storage, path) + ", lock " + path
                                + "); wait for it to finish, or choose another reid.run.name. If that job is gone, delete " + path);
                    }
                    LOG.warn("taking over the lock {} of a job that is gone ({})", path, stale);
                    fs.delete(path, false);
                }
                if (AtomicFile.createIfAbsent(storage, path, text)) {
                    // on an object store two writers can both "create": the one whose owner id stays in the file wins
                    Map<?, ?> now = readLock(storage, path);
                    if (owner.equals(now.get("owner"))) return new RunLock(storage, path, owner, content, heartbeatMillis);
                }
            }
            throw new RunLockedException("the run name's lock " + path + " was taken by another job at the same moment; "
                    + "only one of them may write it (" + describe(storage, path) + ")");
        }

        /** The lock's content; FileNotFoundException when there is none. */
        private static Map<?, ?> readLock(Storage storage, Path path) throws IOException {
            java.util.Optional<String> text = AtomicFile.read(storage, path);
            if (text.isEmpty()) throw new java.io.FileNotFoundException(path.toString());
            return JSON.readValue(text.get(), Map.class);
        }

        /** Why the lock at {@code path} is abandoned, or null while its owner may be alive. */
        private static String stale(Storage storage, Path path) throws IOException {
            long age = System.currentTimeMillis() - storage.fs(path).getFileStatus(path).getModificationTime();
            String silent = age > STALE_SECONDS * 1000L ? "no heartbeat for " + age / 1000 + " s" : null;
            Map<?, ?> c;
            try {
                c = readLock(storage, path);
            } catch (IOException e) {
                return silent; // caught mid-rewrite, or damaged: only its age tells
            }
            if (HOST.equals(c.get("host")) && c.get("pid") instanceof Number pid
                    && !ProcessHandle.of(pid.longValue()).map(ProcessHandle::isAlive).orElse(false)) {
                return "process " + pid + " on this host has ended";
            }
            return silent; // a live process number with no heartbeat for a minute was reused by another process
        }

        private static String describe(Storage storage, Path path) {
            try {
                Map<?, ?> c = readLock(storage, path);
                return "job " + c.get("job") + " on host " + c.get("host") + ", process " + c.get("pid") + ", since " + c.get("started");
            } catch (IOException e) {
                return "owner unknown";
            }
        }

        /**
         * Rewrites the lock with a new heartbeat time, in one step ({@link AtomicFile#replace}): no reader sees it
         * truncated or half-written, as readers did when it was rewritten in place ("No content to map due to
         * end-of-input" at publication, once in CI on 2026-12-06). Holds this lock's monitor, so this JVM's own
         * {@link #check()} and {@link #release()} never interleave with it.
         */
        private synchronized void beat() {
            if (released) return;
            try {
                content.put("heartbeat", Instant.now().toString());
                AtomicFile.replace(storage, path, JSON.writeValueAsString(content));
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not renew the run lock {}: {}", path, e.getMessage());
            }
        }

        /** Fails if another job has taken this lock over (this one was thought gone). */
        synchronized void check() throws IOException {
            Map<?, ?> now;
            try {
                now = readLock(storage, path);
            } catch (java.io.FileNotFoundException e) {
                throw new RunLockedException("the run lock " + path + " disappeared while this job held it; not publishing");
            }
            if (!owner.equals(now.get("owner"))) {
                throw new RunLockedException("another job took over the run lock " + path + " (" + describe(storage, path)
                        + "); not publishing over it");
            }
        }

        synchronized void release() {
            if (released) return;
            released = true;
            heartbeat.shutdownNow();
            try {
                Map<?, ?> now = readLock(storage, path);
                if (owner.equals(now.get("owner"))) AtomicFile.delete(storage, path);
            } catch (IOException e) {
                LOG.debug("run lock {} not removed: {}", path, e.getMessage());
            }
        }
    }

    /** Another job holds the run's name. */
    public static final class RunLockedException extends IOException {
        public RunLockedException(String message) {
            super(message);
        }
    }
}
