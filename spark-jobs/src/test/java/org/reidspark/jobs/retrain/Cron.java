package org.reidspark.jobs.retrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine's cron daemon (Debian's {@code cron} package; {@code submit/scheduler-test} installs it) for tests: started when it is
 * not running, and given a crontab of the test's own in {@code /etc/cron.d/} (root, as CI runs). Each line removes
 * its own crontab once the test's folder is gone, so a test that dies leaves no schedule running.
 */
final class Cron implements AutoCloseable {
    static final Path CRON_D = Path.of("/etc/cron.d");
    private final Path file;

    private Cron(Path file) {
        this.file = file;
    }

    /** Checks that cron can be used here and starts its daemon if needed. */
    static void ensureRunning() throws IOException, InterruptedException {
        Path daemon = Path.of("/usr/sbin/cron");
        if (!Files.isExecutable(daemon)) {
            throw new AssertionError("cron is not installed: this test drives the pipeline through Debian's cron"
                    + " (apt-get install --no-install-recommends cron; submit/scheduler-test does it)");
        }
        if (!Files.isWritable(CRON_D)) {
            throw new AssertionError("cannot write " + CRON_D + ": the cron test runs as root, as CI does");
        }
        if (run("pgrep", "-x", "cron") != 0) {
            if (run(daemon.toString()) != 0) throw new AssertionError("could not start " + daemon);
        }
        if (run("pgrep", "-x", "cron") != 0) throw new AssertionError("the cron daemon is not running after starting it");
    }

    /** Installs {@code lines} (after {@code environment} lines) as {@code /etc/cron.d/<name>} in one step. */
    static Cron install(String name, List<String> environment, List<String> lines) throws IOException {
        if (!name.matches("[A-Za-z0-9_-]+")) throw new IllegalArgumentException("cron ignores files named like " + name);
        Cron c = new Cron(CRON_D.resolve(name));
        c.write(environment, lines);
        return c;
    }

    /** Replaces the crontab's lines (cron reads the change at its next minute). */
    void write(List<String> environment, List<String> lines) throws IOException {
        Path tmp = CRON_D.resolve("." + file.getFileName() + ".tmp"); // a name with a dot: cron ignores it
        StringBuilder sb = new StringBuilder();
        for (String e : environment) sb.append(e).append('\n');
        for (String l : lines) sb.append(l).append('\n');
        Files.writeString(tmp, sb.toString());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
