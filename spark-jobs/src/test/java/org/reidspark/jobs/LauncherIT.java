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
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("submit/reid").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(ROOT.toFile());
        pb.environment().remove("SPARK_HOME");
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
        assertTrue(Files.readString(runs.resolve("cluster/run.json")).contains("local-cluster[2,1,1024]"));
    }
}
