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
}
