package org.reidspark.artifact;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run directory on a local disk (issue 18): one writer per run name, a publication that is one rename of a
 * directory already holding its marker, a half-published directory taken back by the rerun, and abandoned locks taken
 * over.
 */
class RunDirectoryTest {
    @TempDir
    Path tmp;

    private final Storage storage = new Storage(new Configuration());

    private RunConfig run(String name, boolean overwrite) {
        return new RunConfig(name, tmp.resolve("runs").toString(), 1, overwrite);
    }

    private Config config(String name) {
        return ConfigLoader.load(List.of("reid.run.name=" + name));
    }

    @Test
    void aSecondRunOfTheSameNameFailsAndLeavesTheFirstIntact() throws Exception {
        RunConfig r = run("same", false);
        try (RunDirectory first = RunDirectory.create(storage, r, config("same"), "train").keepOnFailure()) {
            first.writeString("checkpoints/state.bin", "first's checkpoint");
            RunDirectory.RunLockedException e = assertThrows(RunDirectory.RunLockedException.class,
                    () -> RunDirectory.create(storage, r, config("same"), "train"));
            assertTrue(e.getMessage().contains("being written by another job") && e.getMessage().contains("job train")
                    && e.getMessage().contains("process " + ProcessHandle.current().pid())
                    && e.getMessage().contains("._lock-same"), e.getMessage());
            assertThrows(RunDirectory.RunLockedException.class, () -> RunDirectory.createFresh(storage, r, config("same"), "shard"));
            assertEquals("first's checkpoint", Files.readString(Path.of(first.work().toUri()).resolve("checkpoints/state.bin")),
                    "the first run's files are untouched");
            first.publish();
        }
        Path published = tmp.resolve("runs/same");
        assertTrue(Files.exists(published.resolve("_PUBLISHED")) && Files.exists(published.resolve("checkpoints/state.bin")));
        assertFalse(Files.exists(tmp.resolve("runs/._lock-same")), "the lock is released");
        assertFalse(Files.exists(tmp.resolve("runs/._incomplete-same")));
        // once published, the name is free again for a replacement
        try (RunDirectory again = RunDirectory.create(storage, run("same", true), config("same"), "train")) {
            again.publish();
        }
    }

    @Test
    void aLockOfAProcessThatEndedIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(tmp.resolve("runs"));
        Files.writeString(tmp.resolve("runs/._lock-dead"), "{\"owner\":\"x\",\"job\":\"train\",\"host\":\""
                + InetAddress.getLocalHost().getHostName() + "\",\"pid\":" + gone.pid() + ",\"started\":\"then\"}");
        try (RunDirectory dir = RunDirectory.create(storage, run("dead", false), config("dead"), "train")) {
            dir.publish();
        }
        assertTrue(Files.exists(tmp.resolve("runs/dead/_PUBLISHED")));
        // a fresh lock of another host is respected
        Files.writeString(tmp.resolve("runs/._lock-remote"), "{\"owner\":\"x\",\"job\":\"train\",\"host\":\"elsewhere\","
                + "\"pid\":1,\"started\":\"now\"}");
        assertThrows(RunDirectory.RunLockedException.class, () -> RunDirectory.create(storage, run("remote", false), config("remote"), "train"));
        // and taken over once its heartbeat is older than the stale limit
        Files.setLastModifiedTime(tmp.resolve("runs/._lock-remote"), java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - (RunDirectory.STALE_SECONDS + 5) * 1000L));
        try (RunDirectory dir = RunDirectory.create(storage, run("remote", false), config("remote"), "train")) {
            dir.publish();
        }
    }

    @Test
    void aHalfPublishedRunIsTakenBackByTheRerun() throws Exception {
        // a directory left by a driver killed between the rename and the marker (how older versions published)
        Path half = Files.createDirectories(tmp.resolve("runs/half/checkpoints"));
        Files.writeString(half.resolve("state.bin"), "epoch 7");
        try (RunDirectory dir = RunDirectory.create(storage, run("half", false), config("half"), "train")) {
            assertEquals(Path.of(tmp.resolve("runs/._incomplete-half").toUri()), Path.of(dir.work().toUri()),
                    "the rerun works in the incomplete directory");
            assertEquals("epoch 7", Files.readString(tmp.resolve("runs/._incomplete-half/checkpoints/state.bin")),
                    "the half-published run's checkpoint is resumed");
            assertFalse(Files.exists(half), "the unmarked final directory was taken back");
            dir.publish();
        }
        assertTrue(Files.exists(tmp.resolve("runs/half/_PUBLISHED")));
    }

    @Test
    void aFreshStartRemovesWhatAStoppedAttemptLeft() throws IOException {
        Path left = Files.createDirectories(tmp.resolve("runs/._incomplete-shards/shards/split=train"));
        Files.writeString(left.resolve("part-0.parquet"), "half a file");
        try (RunDirectory dir = RunDirectory.createFresh(storage, run("shards", false), config("shards"), "shard")) {
            assertFalse(Files.exists(left), "leftovers of the stopped attempt are gone");
            dir.publish();
        }
        assertTrue(Files.exists(tmp.resolve("runs/shards/_PUBLISHED")));
    }

    /**
     * The heartbeat rewrites the lock while the job checks it before publishing, and while other jobs read it to see
     * whether it is taken: no reader may ever find it empty or half-written (CI once failed a publication with "No
     * content to map due to end-of-input": the heartbeat had truncated the lock just as the job checked it).
     */
    @Test
    void theHeartbeatNeverShowsAHalfWrittenLock() throws Exception {
        Path lockFile = tmp.resolve("runs/._lock-beating");
        RunDirectory.RunLock lock = RunDirectory.RunLock.acquire(storage,
                new org.apache.hadoop.fs.Path(lockFile.toUri()), "train", 1);
        java.util.concurrent.atomic.AtomicReference<String> otherReader = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread other = new Thread(() -> {
            // another job on this host reads the lock as a plain file
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            while (!done.get() && otherReader.get() == null) {
                try {
                    String text = Files.readString(lockFile);
                    if (!json.readTree(text).has("owner")) otherReader.set("no owner in " + text);
                } catch (IOException e) {
                    otherReader.set(e.toString());
                }
            }
        });
        other.start();
        try {
            long beatsSeen = 0;
            String last = Files.readString(lockFile);
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                lock.check(); // threw on a truncated lock before the fix
                String now = Files.readString(lockFile);
                if (!now.equals(last)) beatsSeen++;
                last = now;
            }
            assertTrue(beatsSeen > 10, "the heartbeat rewrote the lock while it was checked (" + beatsSeen + " rewrites seen)");
        } finally {
            done.set(true);
            other.join();
            lock.release();
        }
        assertEquals(null, otherReader.get(), "another job read a half-written lock");
        assertFalse(Files.exists(lockFile), "the lock is released");
    }
}
