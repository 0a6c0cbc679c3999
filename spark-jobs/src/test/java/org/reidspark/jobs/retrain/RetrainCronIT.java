package org.reidspark.jobs.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.S3Config;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.S3Proxy;
import org.reidspark.registry.Registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The re-training pipeline on a real scheduler: Debian's cron runs {@code submit/reid retrain} every minute (the
 * crontab line the README documents) on two registries side by side, one on local disk and one on S3 (s3proxy on
 * loopback, through S3A), over a sequence of data drops:
 * <ol>
 *   <li>the first run promotes v0001;</li>
 *   <li>the next runs find nothing new: exit 0, nothing written;</li>
 *   <li>new people with good labels: v0002 passes the gate and is promoted;</li>
 *   <li>a second, overlapping crontab line is added, so that every tick from then on starts two runs per registry;</li>
 *   <li>new images with corrupted labels, 3 to 1 against the good ones ({@link RetrainData}): the run is killed with
 *       SIGKILL while it trains v0003;</li>
 *   <li>at the next ticks one run takes the dead run's lease once it has expired and resumes v0003 from its checkpoint,
 *       and v0003 (a worse model) is rejected, exit 3; the runs that overlap it exit 4 and change nothing.</li>
 * </ol>
 * After every step the champion loads and embeds, and its embeddings are its own ({@link ChampionCheck}); no two runs
 * ever held a registry's lease at once. The gate's figures are the models' own: the good candidate passes and the
 * corrupted one fails on the pinned holdout.
 */
class RetrainCronIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("reid.repo.root", "..")).toAbsolutePath().normalize();
    /** How long a step may take before the test gives up (a guard against a hang, not a measure). */
    private static final long STEP_LIMIT_MS = 20 * 60_000L;

    @TempDir
    Path tmp;

    /** One registry under cron: where its data and registry live, and how a drop reaches its dataset root. */
    private abstract static class Track {
        final String kind;
        final Path dir;
        final Storage storage;

        Track(String kind, Path dir, Storage storage) {
            this.kind = kind;
            this.dir = dir;
            this.storage = storage;
        }

        abstract String registry();

        abstract String root();

        abstract String collection();

        abstract String holdout();

        /** Writes a drop with {@code writer} into the dataset root. */
        abstract void drop(IoWriter writer) throws IOException;

        List<String> extraSettings() {
            return List.of();
        }

        Path statusDir() {
            return dir.resolve("status");
        }

        Path log() {
            return dir.resolve(kind + ".log");
        }

        Path codes() {
            return dir.resolve(kind + ".codes");
        }
    }

    interface IoWriter {
        void write(Path root) throws IOException;
    }

    @Test
    void cronRunsTheSequenceOnLocalDiskAndS3() throws Exception {
        Cron.ensureRunning();
        RetrainData data = RetrainData.generate(tmp.resolve("pools"), 100);
        int collection = data.collectionSize();
        try (S3Proxy s3 = S3Proxy.start()) {
            Path localDir = Files.createDirectories(tmp.resolve("local"));
            Path localRoot = localDir.resolve("data");
            data.shardHoldout(localDir.resolve("holdout").toString(), List.of());
            Track local = new Track("local", localDir, new Storage(new Configuration())) {
                String registry() {
                    return localDir.resolve("registry").toString();
                }

                String root() {
                    return localRoot.toString();
                }

                String collection() {
                    return data.collection().toString();
                }

                String holdout() {
                    return localDir.resolve("holdout").toString();
                }

                void drop(IoWriter writer) throws IOException {
                    writer.write(localRoot);
                }
            };
            Path s3Dir = Files.createDirectories(tmp.resolve("s3"));
            data.shardHoldout(s3.uri("holdout"), s3.overrides());
            s3.upload(data.collection(), "collection");
            Storage s3Storage = Storage.of(S3Config.from(ConfigLoader.load(s3.overrides())));
            int[] drops = {0};
            Track onS3 = new Track("s3", s3Dir, s3Storage) {
                String registry() {
                    return s3.uri("registry");
                }

                String root() {
                    return s3.uri("data");
                }

                String collection() {
                    return s3.uri("collection");
                }

                String holdout() {
                    return s3.uri("holdout");
                }

                void drop(IoWriter writer) throws IOException {
                    Path staging = s3Dir.resolve("drop-" + drops[0]++);
                    writer.write(staging);
                    s3.upload(staging, "data");
                }

                @Override
                List<String> extraSettings() {
                    return s3.overrides();
                }
            };
            List<Track> tracks = List.of(local, onS3);
            for (Track t : tracks) {
                t.drop(data::writeInitial);
                Files.createDirectories(t.statusDir());
                writeConf(t);
            }

            String name = "reid-retrain-it-" + Long.toHexString(System.nanoTime());
            try (Cron cron = Cron.install(name, environment(), lines(tracks, name, 1))) {
                // 1. the first run of each registry promotes v0001
                long setUp = System.currentTimeMillis();
                for (Track t : tracks) {
                    JsonNode s = awaitFinal(t, setUp, "promoted");
                    assertEquals("v0001", s.get("candidate").asText(), t.kind);
                    assertEquals("v0001", ChampionCheck.check(t.storage, t.registry(), collection).version(), t.kind);
                }

                // 2. nothing new: the next runs exit 0 and write nothing
                for (Track t : tracks) {
                    Map<String, Long> before = snapshot(t);
                    JsonNode s = awaitFinal(t, System.currentTimeMillis(), "nothing-to-do");
                    assertEquals(0, s.get("exitCode").asInt());
                    assertEquals(before, snapshot(t), t.kind + ": a run with nothing to do writes nothing");
                }

                // 3. new people, good labels: v0002 passes the gate
                long good = quietMoment(tracks);
                for (Track t : tracks) t.drop(data::addGood);
                for (Track t : tracks) {
                    JsonNode s = awaitFinal(t, good, "promoted");
                    assertEquals("v0002", s.get("candidate").asText(), t.kind);
                    Registry.VersionRecord v2 = Registry.at(t.storage, t.registry()).version("v0002").orElseThrow();
                    assertEquals("v0001", v2.warmStart());
                    assertEquals("v0001", v2.championVersion());
                    assertEquals("v0002", ChampionCheck.check(t.storage, t.registry(), collection).version(), t.kind);
                }

                // two overlapping lines from now on: every tick starts two runs per registry, of which at most one
                // holds its lease (cron takes the new file up within a minute, long before the resume below)
                cron.write(environment(), lines(tracks, name, 2));

                // 4. corrupted labels: each registry's run is killed while it trains v0003, after its first checkpoint
                long corrupt = quietMoment(tracks);
                for (Track t : tracks) t.drop(data::addCorrupt);
                List<Long> killed = new ArrayList<>();
                List<Long> killedAt = new ArrayList<>();
                for (Track t : tracks) {
                    killed.add(killWhileTraining(t, corrupt, "v0003"));
                    killedAt.add(System.currentTimeMillis());
                }
                for (Track t : tracks) {
                    assertEquals("v0002", ChampionCheck.check(t.storage, t.registry(), collection).version(),
                            t.kind + ": the champion and its embeddings survive the killed run");
                }

                // 5. the dead run's lease is taken over once expired, v0003 resumed and rejected; runs that overlap it
                //    find the registry busy
                for (int i = 0; i < tracks.size(); i++) {
                    Track t = tracks.get(i);
                    // the run that resumes v0003 is the first run after the kill that ends other than busy
                    JsonNode s = awaitFinal(t, killedAt.get(i), "rejected");
                    assertEquals("v0003", s.get("candidate").asText());
                    assertEquals(RetrainJob.REJECTED, s.get("exitCode").asInt());
                    assertTrue(Files.readString(t.log()).contains("resuming from"), t.kind + ": v0003 resumed from its checkpoint");
                    Registry.VersionRecord v3 = Registry.at(t.storage, t.registry()).version("v0003").orElseThrow();
                    assertEquals("rejected", v3.decision().outcome(), v3.toString());
                    assertTrue(v3.candidate().mAP() < v3.champion().mAP(), "the corrupted candidate is worse: " + v3);
                    assertEquals("v0002", ChampionCheck.check(t.storage, t.registry(), collection).version(), t.kind);
                    // a run that overlapped this one found the registry busy: its tick's twin (which may have started a
                    // few milliseconds before it), or a later tick's run while a longer resume still worked
                    Instant started = Instant.parse(s.get("started").asText());
                    Instant finished = Instant.parse(s.get("finished").asText());
                    assertTrue(statuses(t).stream().anyMatch(b -> b.get("state").asText().equals("busy")
                                    && Instant.parse(b.get("started").asText()).isBefore(finished)
                                    && Instant.parse(b.get("finished").asText()).isAfter(started)),
                            t.kind + ": a run that overlapped v0003's run (" + started + " to " + finished
                                    + ") found the registry busy; the runs: " + statuses(t));
                    assertTrue(codes(t).contains(137) && codes(t).contains(RetrainJob.BUSY) && codes(t).contains(RetrainJob.REJECTED),
                            t.kind + ": exit codes " + codes(t) + " (killed pid " + killed.get(i) + ")");
                }
            }
            for (Track t : tracks) {
                awaitIdle(t);
                assertNoOverlap(t);
                JobRun history = JobRun.run(historyArgs(t));
                assertEquals(0, history.code(), history.err());
                System.out.println("registry history (" + t.kind + ", " + t.registry() + "):\n" + history.out());
                StringBuilder runs = new StringBuilder("runs (" + t.kind + "): start, state, exit code, candidate, seconds per stage\n");
                for (JsonNode s : statuses(t)) {
                    runs.append(s.get("started").asText()).append(' ').append(s.get("state").asText()).append(' ')
                            .append(s.path("exitCode").asText("-")).append(' ').append(s.path("candidate").asText("-"))
                            .append(' ').append(s.path("stages").toString()).append('\n');
                }
                System.out.println(runs);
            }
        }
    }

    // --- set-up ----------------------------------------------------------------------------------------------

    private void writeConf(Track t) throws IOException {
        List<String> lines = new ArrayList<>(RetrainData.settings());
        // a command line's key=value with a bare URL (the S3 endpoint) is not HOCON in a file: quoted there
        for (String kv : t.extraSettings()) {
            int eq = kv.indexOf('=');
            String value = kv.substring(eq + 1);
            lines.add(value.contains(":") && !value.startsWith("\"") ? kv.substring(0, eq + 1) + "\"" + value + "\"" : kv);
        }
        lines.addAll(List.of("reid.run.output=\"" + t.dir.resolve("unused") + "\"", "reid.data.root=\"" + t.root() + "\"",
                "reid.retrain.registry=\"" + t.registry() + "\"", "reid.retrain.holdout=\"" + t.holdout() + "\"",
                "reid.retrain.collection=\"" + t.collection() + "\"",
                "reid.retrain.gate.map-tolerance=" + RetrainData.MAP_TOLERANCE,
                "reid.retrain.gate.rank1-margin=" + RetrainData.RANK1_MARGIN));
        Files.write(t.dir.resolve(t.kind + ".conf"), lines);
    }

    private static List<String> environment() {
        String java = Path.of(System.getProperty("java.home"), "bin").toString();
        return List.of("SHELL=/bin/bash", "PATH=" + java + ":/usr/local/bin:/usr/bin:/bin",
                "JAVA_HOME=" + System.getProperty("java.home"), "REID_DRIVER_MEMORY=1500m");
    }

    /** The README's crontab line, {@code copies} times per registry; each removes the crontab once the test is gone. */
    private static List<String> lines(List<Track> tracks, String name, int copies) {
        List<String> out = new ArrayList<>();
        for (Track t : tracks) {
            for (int i = 0; i < copies; i++) {
                out.add("* * * * * root [ -d " + t.dir + " ] || { rm -f " + Cron.CRON_D.resolve(name) + "; exit 0; }; cd " + ROOT
                        + " && submit/reid retrain --conf " + t.dir.resolve(t.kind + ".conf") + " --status-file "
                        + t.statusDir() + "/" + t.kind + "-$(date +\\%s\\%N).json >> " + t.log() + " 2>&1; rc=$?; echo \"$(date +\\%s) $rc\""
                        + " >> " + t.codes());
            }
        }
        return out;
    }

    private static List<String> historyArgs(Track t) {
        List<String> args = new ArrayList<>(List.of("registry", "history", "--registry", t.registry()));
        args.addAll(t.extraSettings());
        return args;
    }

    // --- waiting for runs ---------------------------------------------------------------------------------

    /** Every status file of the track's runs. */
    private static List<JsonNode> statuses(Track t) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(t.statusDir())) {
            for (Path f : s.sorted().toList()) {
                // a status file is written to a hidden temporary sibling and renamed into place: only the renamed ones
                String name = f.getFileName().toString();
                if (name.startsWith(".") || !name.endsWith(".json")) continue;
                try {
                    JsonNode n = JSON.readTree(f.toFile());
                    if (n != null && n.has("started")) out.add(n);
                } catch (IOException unreadable) {
                    // gone between the listing and the read; read at the next poll
                }
            }
        }
        return out;
    }

    private static boolean running(JsonNode s) {
        return s.get("state").asText().equals("running") && ProcessHandle.of(s.get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The first run started after {@code after} that ended in {@code state}; other outcomes than busy fail the test. */
    private static JsonNode awaitFinal(Track t, long after, String state) throws Exception {
        long limit = System.currentTimeMillis() + STEP_LIMIT_MS;
        while (System.currentTimeMillis() < limit) {
            for (JsonNode s : statuses(t)) {
                if (Instant.parse(s.get("started").asText()).toEpochMilli() < after || s.get("state").asText().equals("running")) continue;
                String st = s.get("state").asText();
                if (st.equals(state)) return s;
                if (!st.equals("busy")) throw new AssertionError(t.kind + ": expected a run ending " + state + ", got " + s + tail(t));
            }
            // a run that failed before it could write a status (an unreadable config) shows in the exit codes only
            for (long[] c : exits(t)) {
                if (c[0] * 1000 >= after && (c[1] == 1 || c[1] == 2)) {
                    throw new AssertionError(t.kind + ": a run exited " + c[1] + " while waiting for one ending " + state + tail(t));
                }
            }
            Thread.sleep(2000);
        }
        throw new AssertionError(t.kind + ": no run ended " + state + " within " + STEP_LIMIT_MS / 60000 + " minutes" + tail(t));
    }

    /** Waits until no run of any track is running and the next tick is at least 8 s away; returns the time. */
    private static long quietMoment(List<Track> tracks) throws Exception {
        long limit = System.currentTimeMillis() + STEP_LIMIT_MS;
        while (System.currentTimeMillis() < limit) {
            boolean busy = false;
            for (Track t : tracks) for (JsonNode s : statuses(t)) busy |= running(s);
            int second = LocalTime.now().getSecond();
            if (!busy && second >= 3 && second <= 50) return System.currentTimeMillis();
            Thread.sleep(1000);
        }
        throw new AssertionError("the runs did not pause within " + STEP_LIMIT_MS / 60000 + " minutes");
    }

    private static void awaitIdle(Track t) throws Exception {
        long limit = System.currentTimeMillis() + STEP_LIMIT_MS;
        while (statuses(t).stream().anyMatch(RetrainCronIT::running)) {
            if (System.currentTimeMillis() > limit) throw new AssertionError(t.kind + ": runs still going" + tail(t));
            Thread.sleep(2000);
        }
    }

    /** Kills (SIGKILL) the run started after {@code after} once it has checkpointed {@code version}; returns its pid. */
    private static long killWhileTraining(Track t, long after, String version) throws Exception {
        long limit = System.currentTimeMillis() + STEP_LIMIT_MS;
        while (System.currentTimeMillis() < limit) {
            for (JsonNode s : statuses(t)) {
                if (Instant.parse(s.get("started").asText()).toEpochMilli() < after) continue;
                if (!s.get("state").asText().equals("running")) {
                    if (s.get("state").asText().equals("busy")) continue;
                    throw new AssertionError(t.kind + ": the run ended before it could be killed: " + s + tail(t));
                }
                if ("train".equals(s.path("stage").asText()) && checkpointed(t, version)) {
                    long pid = s.get("pid").asLong();
                    ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("run " + pid + " is gone"));
                    p.destroyForcibly();
                    p.onExit().get();
                    return pid;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError(t.kind + ": no run trained " + version + tail(t));
    }

    /** Whether a checkpoint of {@code version}'s training is stored in the registry (wherever RunDirectory keeps it). */
    private static boolean checkpointed(Track t, String version) throws IOException {
        return snapshot(t).keySet().stream().anyMatch(k -> k.contains(version) && k.endsWith("checkpoints/state.bin"));
    }

    /**
     * Every file of the registry with its size and modification time. A running pipeline changes the registry while
     * it is listed (a lock file gone between the listing and the look at its status fails Hadoop's local listing):
     * the listing is then taken again, up to 10 times.
     */
    private static Map<String, Long> snapshot(Track t) throws IOException {
        org.apache.hadoop.fs.Path root = Storage.path(t.registry());
        FileSystem fs = t.storage.fs(root);
        for (int attempt = 1; ; attempt++) {
            Map<String, Long> out = new TreeMap<>();
            try {
                if (!fs.exists(root)) return out;
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    out.put(f.getPath().toString(), f.getLen() * 31 + f.getModificationTime());
                }
                return out;
            } catch (java.io.FileNotFoundException | RuntimeException e) {
                if (attempt >= 10) throw e;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException(ie);
                }
            }
        }
    }

    /** The exit codes cron's lines recorded. */
    private static List<Integer> codes(Track t) throws IOException {
        return exits(t).stream().map(e -> (int) e[1]).toList();
    }

    /** Each run's end (epoch seconds) and exit code, as cron's lines recorded them. */
    private static List<long[]> exits(Track t) throws IOException {
        List<long[]> out = new ArrayList<>();
        if (!Files.exists(t.codes())) return out;
        for (String l : Files.readAllLines(t.codes())) {
            String[] f = l.trim().split(" ");
            if (f.length == 2) out.add(new long[]{Long.parseLong(f[0]), Long.parseLong(f[1])});
        }
        return out;
    }

    /** Runs that held the lease (their records in the registry) never overlap. */
    private static void assertNoOverlap(Track t) throws IOException {
        Registry registry = Registry.at(t.storage, t.registry());
        org.apache.hadoop.fs.Path runs = registry.resolve(Registry.RUNS);
        List<long[]> spans = new ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus f : t.storage.fs(runs).listStatus(runs)) {
            JsonNode s = JSON.readTree(t.storage.readString(f.getPath()));
            long start = Instant.parse(s.get("started").asText()).toEpochMilli();
            long end = Instant.parse(s.has("finished") ? s.get("finished").asText() : s.get("updated").asText()).toEpochMilli();
            spans.add(new long[]{start, end});
        }
        spans.sort((a, b) -> Long.compare(a[0], b[0]));
        assertTrue(spans.size() >= 4, t.kind + ": runs that held the lease: " + spans.size());
        for (int i = 1; i < spans.size(); i++) {
            assertTrue(spans.get(i)[0] >= spans.get(i - 1)[1], t.kind + ": two runs held the lease at once: "
                    + Instant.ofEpochMilli(spans.get(i - 1)[0]) + ".." + Instant.ofEpochMilli(spans.get(i - 1)[1]) + " and "
                    + Instant.ofEpochMilli(spans.get(i)[0]));
        }
    }

    private static String tail(Track t) {
        try {
            List<String> lines = Files.exists(t.log()) ? Files.readAllLines(t.log()) : List.of();
            return "\n--- last lines of " + t.log() + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
