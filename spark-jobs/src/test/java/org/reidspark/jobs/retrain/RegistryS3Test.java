package org.reidspark.jobs.retrain;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.S3Config;
import org.reidspark.jobs.testing.S3Proxy;
import org.reidspark.artifact.AtomicFile;
import org.reidspark.registry.Lease;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's small files on S3 (s3proxy through S3A): a file read while another process replaces it over and
 * over (a lease being renewed, the champion alias being replaced) reads whole, old or new, never fails. Found by
 * {@code RetrainCronIT}: a run that read the lease while its holder renewed it failed with S3A's
 * "Change reported by S3 during open" instead of exiting busy.
 */
class RegistryS3Test {
    @Test
    void aFileReadWhileItIsReplacedReadsWholeOldOrNew() throws Exception {
        try (S3Proxy s3 = S3Proxy.start()) {
            Storage storage = Storage.of(S3Config.from(ConfigLoader.load(s3.overrides())));
            Path file = Storage.path(s3.uri("registry/champion.json"));
            int versions = 100;
            AtomicFile.replace(storage, file, text(0));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<?> writer = pool.submit(() -> {
                for (int i = 1; i <= versions; i++) AtomicFile.replace(storage, file, text(i));
                return null;
            });
            List<Integer> seen = new ArrayList<>();
            while (!writer.isDone()) {
                Optional<String> t = AtomicFile.read(storage, file);
                assertTrue(t.isPresent(), "the file never disappears while it is replaced");
                assertTrue(t.get().matches("\\{\"v\": \\d+, \"pad\": \"x{2000}\"}"), "whole: " + t.get().length() + " characters");
                seen.add(Integer.parseInt(t.get().substring(6, t.get().indexOf(','))));
            }
            writer.get();
            pool.shutdown();
            assertEquals(text(versions), AtomicFile.read(storage, file).orElseThrow());
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) >= seen.get(i - 1), "a reader never goes back to an older version: " + seen);
            }
            assertTrue(seen.size() > 10, "reads while the file was replaced: " + seen.size());

            // the lease: a process that finds it held while its holder renews it is told it is busy, every time
            Path lease = Storage.path(s3.uri("registry/lease.json"));
            try (Lease held = Lease.acquire(storage, lease, "a holder renewing often", Duration.ofMinutes(5), Duration.ZERO)) {
                ExecutorService renewing = Executors.newSingleThreadExecutor();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Future<Integer> renewals = renewing.submit(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        held.renew();
                        n++;
                    }
                    return n;
                });
                for (int i = 0; i < 40; i++) {
                    try {
                        Lease.acquire(storage, lease, "a second process", Duration.ofSeconds(30), Duration.ZERO).close();
                        throw new AssertionError("took a lease held by " + held.holder().describe());
                    } catch (Lease.HeldException expected) {
                        assertTrue(expected.getMessage().contains("a holder renewing often"), expected.getMessage());
                    }
                }
                stop.set(true);
                assertTrue(renewals.get() > 5, "renewals while the others tried: " + renewals.get());
                renewing.shutdown();
                held.check();
            }
        }
    }

    private static String text(int v) {
        return "{\"v\": " + v + ", \"pad\": \"" + "x".repeat(2000) + "\"}";
    }
}
