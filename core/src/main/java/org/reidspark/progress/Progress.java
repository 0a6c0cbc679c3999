package org.reidspark.progress;

import org.slf4j.Logger;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A progress line for a long job that is not training (shard, extract, evaluate): parts done of total (partitions,
 * tasks) and, when the total is known, units done of total (images), with the rate since the start and the ETA:
 * {@code extract: 3/8 partitions, 1,200/3,000 images (40%), 25.3 images/s, ETA 1m12s}. A line is written at the first
 * part, then at most every {@code every} nanoseconds, and at the last. Thread-safe.
 */
public final class Progress {
    /** Lines at most this often while parts finish (the first and the last part always get one). */
    public static final long DEFAULT_EVERY_NANOS = 10_000_000_000L;

    private final String what;
    private final String partName;
    private final String unit;
    private final int parts;
    private final long total;
    private final Consumer<String> sink;
    private final LongSupplier clock;
    private final long every;
    private final long start;
    private int partsDone;
    private long done;
    private long lastLine = Long.MIN_VALUE;

    /**
     * @param what     the job, starting the line ("extract")
     * @param partName the parts' name in the plural ("partitions")
     * @param parts    parts in all (>= 1)
     * @param unit     the units' name in the plural ("images")
     * @param total    units in all; 0 when unknown (the line then counts parts only)
     * @param sink     where lines go
     * @param clock    nanoseconds (System::nanoTime)
     * @param every    nanoseconds between lines at most
     */
    public Progress(String what, String partName, int parts, String unit, long total, Consumer<String> sink,
                    LongSupplier clock, long every) {
        if (parts < 1) throw new IllegalArgumentException("progress over " + parts + " parts");
        if (total < 0) throw new IllegalArgumentException("progress over " + total + " " + unit);
        this.what = what;
        this.partName = partName;
        this.parts = parts;
        this.unit = unit;
        this.total = total;
        this.sink = sink;
        this.clock = clock;
        this.every = every;
        this.start = clock.getAsLong();
    }

    /** Progress logged at INFO by {@code log}, every {@link #DEFAULT_EVERY_NANOS} at most. */
    public static Progress logged(Logger log, String what, String partName, int parts, String unit, long total) {
        return new Progress(what, partName, parts, unit, total, log::info, System::nanoTime, DEFAULT_EVERY_NANOS);
    }

    /** One more part done, holding {@code units} units (0 when unknown). */
    public synchronized void partDone(long units) {
        partsDone++;
        done += units;
        long now = clock.getAsLong();
        if (partsDone == 1 || partsDone >= parts || now - lastLine >= every) {
            lastLine = now;
            sink.accept(line(now));
        }
    }

    /** The line as it stands. */
    public synchronized String line() {
        return line(clock.getAsLong());
    }

    private String line(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        StringBuilder sb = new StringBuilder(what).append(": ").append(partsDone).append('/').append(parts).append(' ')
                .append(partName);
        double fraction;
        if (total > 0) {
            fraction = Math.min(1.0, (double) done / total);
            sb.append(String.format(Locale.ROOT, ", %,d/%,d %s (%.0f%%), %.1f %s/s", done, total, unit, 100 * fraction,
                    done / seconds, unit));
        } else {
            fraction = (double) partsDone / parts;
            sb.append(String.format(Locale.ROOT, " (%.0f%%), %.2f %s/s", 100 * fraction, partsDone / seconds, partName));
        }
        if (fraction >= 1) {
            sb.append(", done in ").append(duration(seconds));
        } else if (fraction > 0) {
            sb.append(", ETA ").append(duration(seconds * (1 - fraction) / fraction));
        }
        return sb.toString();
    }

    /** A duration as "1h02m", "3m12s" or "45s". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
