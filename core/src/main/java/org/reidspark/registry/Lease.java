package org.reidspark.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.AtomicFile;
import org.reidspark.artifact.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A lease on a registry: at most one process changes it at a time, and a holder that died without letting go is
 * replaced once its lease has expired. The lease is a small JSON file ({@link Holder}: a random token, host, process,
 * what it is for, when it was taken and when it expires), written with {@link AtomicFile}, renewed by a daemon thread
 * every third of its time to live, and deleted on {@link #close()}.
 *
 * <p>Taking it: a live lease of another holder is refused ({@link HeldException}, which names the holder); an absent
 * one is created (exclusively where the store allows it) and an expired one overwritten; then, after a settle delay,
 * the lease is read back, and only the process whose token is there holds it. The read-back makes two processes that
 * raced for it agree on one winner on an object store, where a create is not exclusive: it assumes that a store's write
 * completes within the settle delay, and that the hosts' clocks agree to well within the time to live.
 *
 * <p>A holder checks that its lease is still its own ({@link #check()}) before every change it commits; a renewal that
 * finds another holder's token marks the lease lost, and the next check fails ({@link LostException}).
 */
public final class Lease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Lease.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What a lease file holds.
     *
     * @param token    random, one per acquisition
     * @param host     the holder's host name
     * @param pid      the holder's process id
     * @param purpose  what the holder is doing (e.g. {@code retrain run 20261202T0500Z-ab12})
     * @param acquired when it was taken (epoch milliseconds)
     * @param expires  when it lapses unless renewed (epoch milliseconds)
     */
    public record Holder(String token, String host, long pid, String purpose, long acquired, long expires) {
        /** One line for messages. */
        public String describe() {
            return purpose + " (host " + host + ", process " + pid + ", since " + Instant.ofEpochMilli(acquired)
                    + ", lease until " + Instant.ofEpochMilli(expires) + ")";
        }
    }

    /** Another process holds the lease. */
    public static final class HeldException extends IOException {
        private final transient Holder holder;

        HeldException(String message, Holder holder) {
            super(message);
            this.holder = holder;
        }

        /** The holder, when its lease file could be read. */
        public Optional<Holder> holder() {
            return Optional.ofNullable(holder);
        }
    }

    /** This process no longer holds the lease (it expired and another process took it over). */
    public static final class LostException extends IOException {
        LostException(String message) {
            super(message);
        }
    }

    private final Storage storage;
    private final Path file;
    private final Duration ttl;
    private final LongSupplier clock;
    private volatile Holder mine;
    private volatile String lost;
    private ScheduledExecutorService heartbeat;

    private Lease(Storage storage, Path file, Duration ttl, LongSupplier clock, Holder mine) {
        this.storage = storage;
        this.file = file;
        this.ttl = ttl;
        this.clock = clock;
        this.mine = mine;
    }

    /**
     * Takes the lease in {@code file} for {@code purpose}, or fails with {@link HeldException}; renews it in the
     * background until {@link #close()}.
     *
     * @param ttl    how long the lease lives without a renewal (renewed every third of it)
     * @param settle how long to wait before reading the lease back
     */
    public static Lease acquire(Storage storage, Path file, String purpose, Duration ttl, Duration settle) throws IOException {
        Lease lease = take(storage, file, purpose, ttl, settle, System::currentTimeMillis);
        lease.startHeartbeat();
        return lease;
    }

    /** {@link #acquire} without the background renewal, on {@code clock}: for tests. */
    static Lease take(Storage storage, Path file, String purpose, Duration ttl, Duration settle, LongSupplier clock)
            throws IOException {
        long now = clock.getAsLong();
        Optional<Holder> current = read(storage, file, ttl, clock);
        if (current.isPresent() && current.get().expires() > now) {
            throw held(file, current.get());
        }
        Holder mine = new Holder(UUID.randomUUID().toString(), host(), ProcessHandle.current().pid(), purpose, now,
                now + ttl.toMillis());
        String text = JSON.writeValueAsString(mine);
        if (current.isEmpty()) {
            if (!AtomicFile.createIfAbsent(storage, file, text)) {
                throw held(file, read(storage, file, ttl, clock).orElse(null));
            }
        } else {
            LOG.warn("taking over the lease {}: its holder, {}, let it expire", file, current.get().describe());
            AtomicFile.replace(storage, file, text);
        }
        sleep(settle);
        Optional<Holder> back = read(storage, file, ttl, clock);
        if (back.isEmpty() || !back.get().token().equals(mine.token())) {
            throw held(file, back.orElse(null));
        }
        LOG.info("lease {} taken for {} until {}", file, purpose, Instant.ofEpochMilli(mine.expires()));
        return new Lease(storage, file, ttl, clock, mine);
    }

    private static HeldException held(Path file, Holder holder) {
        return new HeldException("the registry is busy: " + (holder == null ? "another process has just taken its lease"
                : "its lease is held by " + holder.describe()) + " (" + file + "); this run changes nothing and exits", holder);
    }

    /**
     * The holder in {@code file}, if any. A file that cannot be parsed (not a lease this code wrote) counts as a holder
     * that expires one time-to-live after the file was last modified.
     */
    public static Optional<Holder> read(Storage storage, Path file, Duration ttl, LongSupplier clock) throws IOException {
        Optional<String> text = AtomicFile.read(storage, file);
        if (text.isEmpty()) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(text.get(), Holder.class));
        } catch (IOException unparseable) {
            FileStatus st = storage.fs(file).getFileStatus(file);
            return Optional.of(new Holder("unreadable", "unknown", -1, "an unreadable lease file", st.getModificationTime(),
                    st.getModificationTime() + ttl.toMillis()));
        }
    }

    /** The holder this lease wrote. */
    public Holder holder() {
        return mine;
    }

    /** Fails unless the lease file still holds this process's token (and a renewal has not found it taken). */
    public void check() throws IOException {
        if (lost != null) throw new LostException(lost);
        Optional<Holder> now = read(storage, file, ttl, clock);
        if (now.isEmpty() || !now.get().token().equals(mine.token())) {
            lost = "the lease " + file + " is no longer held by this run (" + now.map(h -> "now held by " + h.describe())
                    .orElse("the lease file is gone") + "): it expired before it could be renewed; nothing more is changed";
            throw new LostException(lost);
        }
    }

    /** Extends the lease by its time to live from now; marks it lost when another process holds it now. */
    public synchronized void renew() throws IOException {
        check();
        long now = clock.getAsLong();
        Holder renewed = new Holder(mine.token(), mine.host(), mine.pid(), mine.purpose(), mine.acquired(), now + ttl.toMillis());
        AtomicFile.replace(storage, file, JSON.writeValueAsString(renewed));
        mine = renewed;
    }

    private void startHeartbeat() {
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, ttl.toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(() -> {
            try {
                renew();
            } catch (LostException e) {
                LOG.error("{}", e.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not renew the lease {} (retried in {} ms): {}", file, every, e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Stops renewing and deletes the lease file if it still holds this process's token. */
    @Override
    public synchronized void close() throws IOException {
        if (heartbeat != null) heartbeat.shutdownNow();
        Optional<Holder> now = read(storage, file, ttl, clock);
        if (now.isPresent() && now.get().token().equals(mine.token())) {
            AtomicFile.delete(storage, file);
            LOG.info("lease {} released", file);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking a lease", e);
        }
    }
}
