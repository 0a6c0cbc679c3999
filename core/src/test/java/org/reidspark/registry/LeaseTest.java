package org.reidspark.registry;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's lease on a local disk, on a clock the test moves: a live lease is refused naming its holder, an
 * expired one is taken over, a renewal extends it, a holder whose lease was taken over finds out before it changes
 * anything, and of many processes racing for it exactly one wins.
 */
class LeaseTest {
    private static final Duration TTL = Duration.ofSeconds(60);
    @TempDir
    java.nio.file.Path tmp;

    private final Storage storage = new Storage(new Configuration());

    private Path file() {
        return new Path(tmp.toUri().toString(), "registry/lease.json");
    }

    @Test
    void aLiveLeaseIsRefusedNamingItsHolderAndAnExpiredOneIsTakenOver() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        Lease first = Lease.take(storage, file(), "run A", TTL, Duration.ZERO, clock::get);
        assertEquals("run A", Lease.read(storage, file(), TTL, clock::get).orElseThrow().purpose());

        clock.addAndGet(TTL.toMillis() - 1);
        Lease.HeldException busy = assertThrows(Lease.HeldException.class,
                () -> Lease.take(storage, file(), "run B", TTL, Duration.ZERO, clock::get));
        assertTrue(busy.getMessage().contains("run A") && busy.getMessage().contains("busy"), busy.getMessage());
        assertEquals("run A", busy.holder().orElseThrow().purpose());

        clock.addAndGet(2); // A died without renewing: its lease has expired
        Lease second = Lease.take(storage, file(), "run B", TTL, Duration.ZERO, clock::get);
        assertEquals("run B", Lease.read(storage, file(), TTL, clock::get).orElseThrow().purpose());
        Lease.LostException lost = assertThrows(Lease.LostException.class, first::check);
        assertTrue(lost.getMessage().contains("run B"), lost.getMessage());
        assertThrows(Lease.LostException.class, first::renew, "a lost lease is not renewed over its new holder");
        first.close();
        assertTrue(Lease.read(storage, file(), TTL, clock::get).isPresent(), "the old holder does not delete the new holder's lease");
        second.check();
        second.close();
        assertFalse(Files.exists(tmp.resolve("registry/lease.json")), "released");
    }

    @Test
    void aRenewalExtendsTheLease() throws Exception {
        AtomicLong clock = new AtomicLong(5_000_000);
        Lease lease = Lease.take(storage, file(), "run A", TTL, Duration.ZERO, clock::get);
        clock.addAndGet(TTL.toMillis() / 2);
        lease.renew();
        clock.addAndGet(TTL.toMillis() * 3 / 4);
        assertThrows(Lease.HeldException.class, () -> Lease.take(storage, file(), "run B", TTL, Duration.ZERO, clock::get),
                "past the first expiry, but renewed");
        assertEquals(clock.get() + TTL.toMillis() / 4, Lease.read(storage, file(), TTL, clock::get).orElseThrow().expires());
        lease.close();
    }

    @Test
    void anUnreadableLeaseFileCountsAsHeldUntilItIsOneTimeToLiveOld() throws Exception {
        Files.createDirectories(tmp.resolve("registry"));
        Files.writeString(tmp.resolve("registry/lease.json"), "{\"token\": ");
        long modified = Files.getLastModifiedTime(tmp.resolve("registry/lease.json")).toMillis();
        AtomicLong clock = new AtomicLong(modified + 1000);
        Lease.HeldException busy = assertThrows(Lease.HeldException.class,
                () -> Lease.take(storage, file(), "run B", TTL, Duration.ZERO, clock::get));
        assertTrue(busy.getMessage().contains("unreadable"), busy.getMessage());
        clock.set(modified + TTL.toMillis() + 1);
        Lease.take(storage, file(), "run B", TTL, Duration.ZERO, clock::get).close();
    }

    @Test
    void ofProcessesRacingForAFreeLeaseExactlyOneWins() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Lease>> tries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String who = "run " + i;
            tries.add(pool.submit(() -> {
                start.await();
                try {
                    return Lease.take(storage, file(), who, TTL, Duration.ofMillis(200), System::currentTimeMillis);
                } catch (Lease.HeldException e) {
                    return null;
                }
            }));
        }
        start.countDown();
        List<Lease> won = new ArrayList<>();
        for (Future<Lease> f : tries) if (f.get() != null) won.add(f.get());
        pool.shutdown();
        assertEquals(1, won.size(), "winners: " + won.stream().map(l -> l.holder().purpose()).toList());
        won.get(0).check();
        won.get(0).close();
    }
}
