package org.reidspark.jobs.testing;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Spark listener (set with {@code spark.extraListeners}) that kills an executor JVM with SIGKILL, once, at the start
 * of the first task launched after the file {@code spark.reid.test.kill-executor-after} exists: the task has just
 * begun, so the executor dies mid-task with its cached blocks and shuffle files. The killed process id is written to
 * {@code spark.reid.test.kill-executor-report}. Executors of {@code local-cluster} are descendants of the driver's
 * JVM, found by their {@code --executor-id} argument (Linux: {@code /proc}).
 */
public final class ExecutorKiller extends SparkListener {
    private final Path after;
    private final Path report;
    private final AtomicBoolean done = new AtomicBoolean();

    public ExecutorKiller(SparkConf conf) {
        after = Path.of(conf.get("spark.reid.test.kill-executor-after"));
        report = Path.of(conf.get("spark.reid.test.kill-executor-report"));
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        if (done.get() || !Files.exists(after)) return;
        String executor = start.taskInfo().executorId();
        Optional<ProcessHandle> jvm = ProcessHandle.current().descendants().filter(p -> {
            List<String> args = arguments(p);
            int i = args.indexOf("--executor-id");
            return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(executor);
        }).findFirst();
        if (jvm.isEmpty()) {
            write("no JVM of executor " + executor + " among the descendants " + ProcessHandle.current().descendants()
                    .map(p -> p.pid() + " " + arguments(p).stream().filter(a -> !a.contains(":")).toList()).toList());
            return;
        }
        if (!done.compareAndSet(false, true)) return;
        jvm.get().destroyForcibly();
        write("killed executor " + executor + " (process " + jvm.get().pid() + ") at the start of task "
                + start.taskInfo().taskId() + " of stage " + start.stageId());
    }

    private void write(String line) {
        try {
            Files.writeString(report, line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The whole command line of {@code p}, from {@code /proc/<pid>/cmdline}: {@link ProcessHandle.Info#arguments()} gives
     * nothing for an executor, whose class path makes its command line longer than the JDK reads.
     */
    private static List<String> arguments(ProcessHandle p) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
