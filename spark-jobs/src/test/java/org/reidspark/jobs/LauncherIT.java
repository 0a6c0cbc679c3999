package org.reidspark.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** submit/reid itself, against the packaged application jar (runs after `package`). */
class LauncherIT {
    static final Path ROOT = Path.of(System.getProperty("reid.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    record Result(int code, String output) {
    }

    static Result launch(String... args) throws IOException, InterruptedException {
        return launchIn(ROOT, java.util.Map.of(), args);
    }

    /** submit/reid run from the working directory {@code dir} with {@code env} added to the environment. */
    static Result launchIn(Path dir, java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("submit/reid").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().remove("SPARK_HOME");
        pb.environment().putAll(env);
        File log = Files.createTempFile("launcher", ".log").toFile();
        pb.redirectOutput(log);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("submit/reid " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), out);
    }

    @Test
    void helpListsJobs() throws Exception {
        Result r = launch("--help");
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("smoke"), r.output);
        assertFalse(r.output.contains("building the application jar"), "the packaged jar is up to date: " + r.output);
    }

    @Test
    void unknownJobFailsNamingKnownJobs() throws Exception {
        Result r = launch("nosuchjob");
        assertEquals(2, r.code, r.output);
        assertTrue(r.output.contains("known jobs: ") && r.output.contains("smoke"), r.output);
    }

    @Test
    void smokeRunsThroughSparkSubmitWithPassThroughOptions() throws Exception {
        Path runs = tmp.resolve("runs");
        Result r = launch("smoke", "--conf", ROOT.resolve("conf/local.conf").toString(), "--master", "local[2]",
                "--conf", "spark.ui.enabled=false", "--partitions", "4", "--output", runs.toString(), "--name", "via-launcher");
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("smoke: OK"), r.output);
        String info = Files.readString(runs.resolve("via-launcher/run.json"));
        assertTrue(info.contains("\"master\" : \"local[2]\""), info);
    }

    @Test
    void masterDefaultsFromTheConfig() throws Exception {
        Path runs = tmp.resolve("runs");
        Result r = launch("smoke", "reid.spark.master=local[1]", "--output", runs.toString(), "--name", "m");
        assertEquals(0, r.code, r.output);
        assertTrue(Files.readString(runs.resolve("m/run.json")).contains("\"master\" : \"local[1]\""));
    }

    @Test
    void theFirstSparkJobWritesAClassArchiveThatTheNextJvmsMap() throws Exception {
        Path cds = tmp.resolve("cds");
        Path runs = tmp.resolve("runs");
        Result first = launchIn(ROOT, java.util.Map.of("REID_CDS_DIR", cds.toString()),
                "smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "writes");
        assertEquals(0, first.code, first.output);
        assertFalse(first.output.contains("[cds"), "the JDK's archiving notes stay off the job's output: " + first.output);
        List<String> files;
        try (var s = Files.list(cds)) {
            files = s.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(1, files.size(), "one archive, no temporary file: " + files);
        assertTrue(files.get(0).endsWith(".jsa"), files.toString());

        // the next Spark job's JVM loads this project's and Spark's classes from it (-Xlog names a class's source)
        Path loaded = tmp.resolve("loaded.log");
        Result second = launchIn(ROOT, java.util.Map.of("REID_CDS_DIR", cds.toString(),
                        "JAVA_OPTS", "-Xlog:class+load=info:file=" + loaded),
                "smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "maps");
        assertEquals(0, second.code, second.output);
        assertTrue(second.output.contains("smoke: OK"), second.output);
        String log = Files.readString(loaded);
        assertTrue(log.contains("org.reidspark.jobs.Main source: shared objects file"), "Main not from the archive");
        assertTrue(log.contains("org.apache.spark.SparkContext source: shared objects file"), "SparkContext not from the archive");
        try (var s = Files.list(cds)) {
            assertEquals(files, s.map(p -> p.getFileName().toString()).toList(), "the archive is kept, not written again");
        }
        // a flight recording from the JVM's start: its class-file hook and the archive crashed the JVM (OpenJDK 17.0.15),
        // so such a JVM runs without the archive
        Result recorded = launchIn(ROOT, java.util.Map.of("REID_CDS_DIR", cds.toString(),
                        "JAVA_OPTS", "-XX:StartFlightRecording=filename=" + tmp.resolve("job.jfr")),
                "smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "recorded");
        assertEquals(0, recorded.code, recorded.output);
        assertTrue(recorded.output.contains("smoke: OK"), recorded.output);

        // REID_CDS=0: no archive
        Path off = tmp.resolve("cds-off");
        Result none = launchIn(ROOT, java.util.Map.of("REID_CDS_DIR", off.toString(), "REID_CDS", "0"),
                "smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "off");
        assertEquals(0, none.code, none.output);
        assertFalse(Files.exists(off), "REID_CDS=0 writes no archive");
    }

    @Test
    void aFailedJobExitsNonZero() throws Exception {
        Path runs = tmp.resolve("runs");
        assertEquals(0, launch("smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "twice").code);
        Result r = launch("smoke", "--master", "local[1]", "--output", runs.toString(), "--name", "twice");
        assertEquals(1, r.code, r.output);
        assertTrue(r.output.contains("already exists"), r.output);
    }

    @Test
    void smokeRunsOnSeparateExecutorJvms() throws Exception {
        Path runs = tmp.resolve("runs");
        Result r = launch("smoke", "--master", "local-cluster[2,1,1024]", "--partitions", "4",
                "--output", runs.toString(), "--name", "cluster");
        assertEquals(0, r.code, r.output);
        String info = Files.readString(runs.resolve("cluster/run.json"));
        assertTrue(info.contains("local-cluster[2,1,1024]"), info);
        // ND4J installed the fenced executioner by itself in the executor JVMs too (FencedExecutioner.Installer)
        assertTrue(info.replaceAll("\\s", "").contains("\"taskNd4j\":[\"CpuBackend,NativeOpExecutioner,fenced\"]"), info);
    }

    @Test
    void everySparkSubmitOptionPassesThroughToSparkSubmit() throws Exception {
        // options the launcher used to hand to the job, which then failed on them
        Path runs = tmp.resolve("runs");
        Result r = launch("smoke", "--master", "local[1]", "--verbose", "--driver-cores", "1", "--supervise",
                "--exclude-packages", "org.example:nothing", "--repositories", "file:/nonexistent/repo",
                "--conf=spark.ui.enabled=false", "--output", runs.toString(), "--name", "passthrough");
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("smoke: OK"), r.output);
        for (String parsed : List.of("driverCores\\s+1", "supervise\\s+true", "packagesExclusions\\s+org.example:nothing",
                "repositories\\s+file:/nonexistent/repo", "verbose\\s+true")) {
            assertTrue(java.util.regex.Pattern.compile(parsed).matcher(r.output).find(), "spark-submit did not get " + parsed + ": " + r.output);
        }
        assertTrue(Files.exists(runs.resolve("passthrough/_PUBLISHED")));
    }

    /**
     * Launchers started at the same moment in one checkout (two scheduled pipelines at the same minute) while the
     * local SPARK_HOME has to be made again: each one makes it or waits for the one making it, and every job runs
     * (before the launcher's lock, one launcher's {@code rm -rf} of the folder failed while another linked jars
     * into it: "Directory not empty", found by RetrainCronIT).
     */
    @Test
    void launchersStartedTogetherShareOneSparkHome() throws Exception {
        Path classpath = ROOT.resolve("spark-jobs/target/spark-home/.classpath");
        Files.deleteIfExists(classpath); // the next launcher makes the folder again
        List<java.util.concurrent.Future<Result>> runs = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 4; i++) {
                String name = "together-" + i;
                runs.add(pool.submit(() -> launch("smoke", "--master", "local[1]", "--output", tmp.resolve("runs").toString(),
                        "--name", name)));
            }
            for (java.util.concurrent.Future<Result> f : runs) {
                Result r = f.get();
                assertEquals(0, r.code, r.output);
                assertTrue(r.output.contains("smoke: OK"), r.output);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(Files.exists(classpath), "the SPARK_HOME was made again");
    }

    @Test
    void jobsWithoutSparkRunInOneJvm() throws Exception {
        // a java that counts its starts: JAVA_HOME pointing at a wrapper of the real one
        Path home = Files.createDirectories(tmp.resolve("jdk/bin"));
        Path count = tmp.resolve("java-starts");
        Path wrapper = home.resolve("java");
        Files.writeString(wrapper, "#!/usr/bin/env bash\necho x >> '" + count + "'\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        wrapper.toFile().setExecutable(true);
        Path q = Files.writeString(tmp.resolve("q.csv"), "pid,camid\n1,0\n2,0\n");
        Path g = Files.writeString(tmp.resolve("g.csv"), "pid,camid\n1,1\n2,1\n3,1\n");
        Path d = tmp.resolve("d.npy");
        try (java.io.OutputStream out = Files.newOutputStream(d)) {
            org.reidspark.io.NpyWriter.writeMatrix(out, d.toString(), new float[]{0.1f, 0.9f, 0.5f, 0.8f, 0.2f, 0.4f}, 2, 3);
        }
        Result r = launchIn(ROOT, java.util.Map.of("JAVA_HOME", tmp.resolve("jdk").toString()), "eval-distmat",
                "--distmat", d.toString(), "--query", q.toString(), "--gallery", g.toString(),
                "--output", tmp.resolve("m.json").toString(), "--master", "local[2]");
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("does not use Spark; the Spark options given are ignored: --master local[2]"), r.output);
        assertTrue(Files.exists(tmp.resolve("m.json")), r.output);
        assertEquals(1, Files.readAllLines(count).size(), "JVMs started for eval-distmat: " + Files.readAllLines(count));
    }
}
