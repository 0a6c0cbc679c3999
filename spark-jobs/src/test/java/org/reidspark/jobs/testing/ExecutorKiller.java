package org.reidspark.jobs.testing;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
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
 *
 * <p>With {@code spark.reid.test.kill-executor-mode = running} it does not wait for a task to start: as soon as the
 * file exists (checked every 2 ms) it kills an executor that is running a task then, mid-task (resident workers run
 * one long task each, started before the file exists).
 */
public final class ExecutorKiller extends SparkListener {
    private final Path after;
    private final Path report;
    private final AtomicBoolean done = new AtomicBoolean();
    private final boolean running;
    /** Running tasks: task id -> executor id and stage. */
    private final java.util.Map<Long, String[]> tasks = new java.util.concurrent.ConcurrentHashMap<>();

    public ExecutorKiller(SparkConf conf) {
        after = Path.of(conf.get("spark.reid.test.kill-executor-after"));
        report = Path.of(conf.get("spark.reid.test.kill-executor-report"));
        running = conf.get("spark.reid.test.kill-executor-mode", "task-start").equals("running");
        if (running) {
            Thread watcher = new Thread(this::watch, "executor-killer");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    private void watch() {
        while (!done.get()) {
            if (Files.exists(after)) {
                for (var e : tasks.entrySet()) {
                    if (kill(e.getValue()[0], "while it ran task " + e.getKey() + " of stage " + e.getValue()[1])) return;
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        tasks.remove(end.taskInfo().taskId());
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        tasks.put(start.taskInfo().taskId(), new String[]{start.taskInfo().executorId(), String.valueOf(start.stageId())});
        if (running || done.get() || !Files.exists(after)) return;
        kill(start.taskInfo().executorId(), "at the start of task " + start.taskInfo().taskId() + " of stage " + start.stageId());
    }

    /** Kills {@code executor}'s JVM unless one was killed already; whether this call killed it. */
    private boolean kill(String executor, String when) {
        Optional<ProcessHandle> jvm = ProcessHandle.current().descendants().filter(p -> {
            List<String> args = arguments(p);
            int i = args.indexOf("--executor-id");
            return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(executor);
        }).findFirst();
        if (jvm.isEmpty()) {
            write("no JVM of executor " + executor + " among the descendants " + ProcessHandle.current().descendants()
                    .map(p -> p.pid() + " " + arguments(p).stream().filter(a -> !a.contains(":")).toList()).toList());
            return false;
        }
        if (!done.compareAndSet(false, true)) return false;
        jvm.get().destroyForcibly();
        write("killed executor " + executor + " (process " + jvm.get().pid() + ") " + when);
        return true;
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
