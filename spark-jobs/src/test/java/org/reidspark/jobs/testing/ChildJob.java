package org.reidspark.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A job in a JVM of its own ({@code java -cp <the test class path> org.reidspark.jobs.Main ...}), so that a test can
 * kill it with SIGKILL as a crashed or killed driver would die: no shutdown hook, no finally block runs.
 */
public final class ChildJob {
    private final Process process;
    private final Path log;

    private ChildJob(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ChildJob start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Spark's module options, as this test JVM got them
        for (String opt : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (opt.startsWith("--add-opens") || opt.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                    || opt.startsWith("-Djdk.reflect") || opt.startsWith("-Dio.netty")) cmd.add(opt);
        }
        cmd.addAll(List.of("-Xmx2g", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "org.reidspark.jobs.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return new ChildJob(pb.start(), log);
    }

    /** Waits (at most {@code seconds}) until {@code file} exists; fails with the job's output if it ends first. */
    public void awaitFile(Path file, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file)) {
            if (!process.isAlive()) throw new AssertionError("the job ended (exit " + process.exitValue() + ") before " + file + ":\n" + output());
            if (System.nanoTime() > end) throw new AssertionError("no " + file + " after " + seconds + " s:\n" + output());
            Thread.sleep(50);
        }
    }

    /** SIGKILL, and waits for the process to be gone; returns its exit code (137). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
