package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;
import org.reidspark.jobs.testing.FaultyS3;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run directory on S3 (s3proxy through S3A, every request counted by a {@link FaultyS3} front without faults):
 * written in place and committed by its marker, in as many requests for 40 files as for 2 (no copy); one writer per
 * name; a run that stopped is resumed in place by the rerun.
 */
class RunDirectoryS3Test {
    @Test
    void publishesInPlaceInConstantRequestsWithOneWriterPerName() throws Exception {
        try (S3Proxy s3 = S3Proxy.start(); FaultyS3 counter = new FaultyS3(s3.endpoint())) {
            Config config = ConfigLoader.load(S3Proxy.overrides(counter.endpoint()));
            Storage storage = Storage.of(S3Config.from(config));
            String output = s3.uri("runs");

            int[] publishRequests = new int[2];
            int[] files = {2, 40};
            for (int i = 0; i < 2; i++) {
                int n = i;
                RunConfig run = new RunConfig("r" + i, output, 1, false);
                try (RunDirectory dir = RunDirectory.create(storage, run, config, "train")) {
                    assertEquals(s3.uri("runs/r" + i), dir.work().toString(), "written in place");
                    for (int f = 0; f < files[i]; f++) dir.writeString("model/part-" + f + ".bin", "x".repeat(1000));
                    assertFalse(RunDirectory.isPublished(storage, dir.location()), "not published before its marker");
                    assertTrue(s3.keys("runs/").contains("runs/._lock-r" + n), s3.keys("runs/").toString());
                    RunDirectory.RunLockedException locked = assertThrows(RunDirectory.RunLockedException.class,
                            () -> RunDirectory.create(storage, run, config, "train"));
                    assertTrue(locked.getMessage().contains("being written by another job"), locked.getMessage());
                    // the lock's heartbeat (every 10 s) may fall inside a slow publish: its requests are not the publish's
                    int before = counter.requestsWithout("._lock-");
                    dir.publish();
                    publishRequests[i] = counter.requestsWithout("._lock-") - before;
                }
                List<String> keys = s3.keys("runs/");
                assertTrue(keys.contains("runs/r" + i + "/_PUBLISHED") && keys.contains("runs/r" + i + "/run.json"), keys.toString());
                assertFalse(keys.stream().anyMatch(k -> k.contains("._incomplete") || k.contains("._lock")), keys.toString());
                assertEquals(files[i], keys.stream().filter(k -> k.startsWith("runs/r" + n + "/model/")).count());
            }
            assertEquals(publishRequests[0], publishRequests[1],
                    "publishing 40 files takes the requests publishing 2 takes (no copy): " + publishRequests[0] + " vs " + publishRequests[1]);

            // a run that stopped leaves its directory without the marker; the rerun continues in it and publishes once
            RunConfig stopped = new RunConfig("stopped", output, 1, false);
            try (RunDirectory dir = RunDirectory.create(storage, stopped, config, "train").keepOnFailure()) {
                dir.writeString("checkpoints/state.bin", "epoch 3");
            }
            assertFalse(RunDirectory.isPublished(storage, Storage.path(s3.uri("runs/stopped"))));
            try (RunDirectory dir = RunDirectory.create(storage, stopped, config, "train")) {
                assertEquals("epoch 3", new String(s3.get("runs/stopped/checkpoints/state.bin"), StandardCharsets.UTF_8));
                dir.publish();
            }
            assertTrue(s3.keys("runs/stopped/").contains("runs/stopped/_PUBLISHED"));
        }
    }
}
