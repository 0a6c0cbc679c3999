package org.reidspark.model;

import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Frees the off-heap garbage that training steps leave behind: after a step it runs the garbage collector when the
 * process's resident memory has grown since the last collection by more than a slack, or by more memory than the
 * kernel could zero on first touch in the time the last collection took.
 *
 * <p>Why: ND4J keeps array data off the Java heap and frees it only when the garbage collector has collected the
 * arrays' small Java objects. A training step (graphs train with workspace mode NONE, see {@link ExternalBackprop})
 * allocates what DL4J's own layers and vertices compute afresh (the native ones free theirs at the step's end,
 * {@link StepOutputs}), and the Java heap barely fills, so collections are rare and the resident size climbs to
 * JavaCPP's {@code maxphysicalbytes} (by default four times the heap) before anything is freed: ResNet-50 at batch 16
 * peaked at 7.6 GB where one step's live set is about 2.5 GB. Fresh memory also costs time: the kernel zeroes every
 * new page on first touch (about {@value #FIRST_TOUCH_NANOS_PER_MB} ns per MB here), while memory freed back to the C
 * allocator is reused without that. So once the memory grown since the last collection has cost as much to touch
 * as that collection took, collecting (and reusing the memory from then on) is the cheaper way: a step that leaves
 * hundreds of MB collects after every step, one that leaves 2 MB every ten to twenty steps (docs/performance.md).
 *
 * <p>The slack is the system property {@value #SLACK_PROPERTY} in MB (default {@value #DEFAULT_SLACK_MB}); {@code off}
 * turns the collector off. It is process-wide: training tasks running side by side in one executor share it. The
 * baseline is the resident size after the last collection, or the lowest seen since (ND4J's deallocator threads free
 * the collected arrays' memory shortly after a collection).
 */
public final class OffHeapCollector {
    private static final Logger LOG = LoggerFactory.getLogger(OffHeapCollector.class);

    private static final long MB = 1L << 20;

    /** System property: the slack in MB, or {@code off}. */
    public static final String SLACK_PROPERTY = "reid.offheap.gc-slack-mb";
    /** Default slack in MB. */
    public static final long DEFAULT_SLACK_MB = 256;
    /** What the kernel's first touch of a fresh MB costs, in nanoseconds (about 0.6 ms here). */
    static final long FIRST_TOUCH_NANOS_PER_MB = 600_000;
    /** What the rule assumes a collection takes before the first one. */
    private static final long FIRST_COLLECTION_GUESS_NANOS = 50_000_000L;

    /** The process's collector, made on first use (a bad property value then fails every use, with its message). */
    private static volatile OffHeapCollector process;

    private final long slackBytes;
    private final LongSupplier resident;
    private final LongSupplier clock;
    private final Runnable collect;
    private long baseline = Long.MAX_VALUE;
    private long lastNanos = FIRST_COLLECTION_GUESS_NANOS;
    private long collections;
    private long collectNanos;

    /**
     * @param slackBytes growth that triggers a collection; negative: never collect
     * @param resident   the process's resident bytes now
     * @param clock      nanoseconds, as {@link System#nanoTime}
     * @param collect    the collection
     */
    OffHeapCollector(long slackBytes, LongSupplier resident, LongSupplier clock, Runnable collect) {
        this.slackBytes = slackBytes;
        this.resident = resident;
        this.clock = clock;
        this.collect = collect;
    }

    /**
     * The collector of this process, configured by {@value #SLACK_PROPERTY}.
     *
     * @throws IllegalArgumentException when the property's value is not a slack, naming the property
     */
    public static OffHeapCollector process() {
        OffHeapCollector p = process;
        if (p != null) return p;
        synchronized (OffHeapCollector.class) {
            if (process == null) {
                process = new OffHeapCollector(slackBytes(System.getProperty(SLACK_PROPERTY)), Pointer::physicalBytes,
                        System::nanoTime, System::gc);
            }
            return process;
        }
    }

    /**
     * Checks {@value #SLACK_PROPERTY} of this JVM without making the collector (for a job's start, before any work).
     *
     * @throws IllegalArgumentException when the value is not a slack, naming the property
     */
    public static void checkProperty() {
        slackBytes(System.getProperty(SLACK_PROPERTY));
    }

    /**
     * The slack in bytes for a property value: {@code null} (unset) the default, {@code off} -1 (never collect), else
     * a whole number of MB, at least 0.
     *
     * @throws IllegalArgumentException for any other value, naming the property
     */
    static long slackBytes(String value) {
        if (value == null) return DEFAULT_SLACK_MB << 20;
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("off")) return -1;
        try {
            long mb = Long.parseLong(v);
            if (mb >= 0) return mb << 20;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + SLACK_PROPERTY + " must be a whole number of MB (>= 0) or \"off\", got \""
                + value + "\"");
    }

    /**
     * Called after a training step: collects when the resident size has grown by more than the slack since the
     * baseline, or by at least as many MB as the kernel zeroes, at {@value #FIRST_TOUCH_NANOS_PER_MB} ns each, in the
     * time the last collection took.
     *
     * @return whether it collected
     */
    public synchronized boolean afterStep() {
        if (slackBytes < 0) return false;
        long now = resident.getAsLong();
        if (now < baseline) baseline = now;
        long grown = now - baseline;
        boolean bySize = grown > slackBytes;
        if (!bySize && grown * FIRST_TOUCH_NANOS_PER_MB < lastNanos * MB) return false;
        long t0 = clock.getAsLong();
        collect.run();
        lastNanos = clock.getAsLong() - t0;
        collectNanos += lastNanos;
        collections++;
        baseline = resident.getAsLong();
        if (collections == 1) {
            LOG.info("freeing training steps' off-heap garbage with a garbage collection after a step when resident memory has "
                            + "grown by more than {} MB ({}) or by more than the kernel zeroes in a collection's time; the first "
                            + "took {} ms (resident {} MB before, {} MB after)", slackBytes >> 20, SLACK_PROPERTY,
                    lastNanos / 1_000_000, now >> 20, baseline >> 20);
        } else {
            LOG.debug("off-heap collection {} ({}) took {} ms, resident {} MB before, {} MB after", collections,
                    bySize ? "by size" : "by the growth's cost", lastNanos / 1_000_000, now >> 20, baseline >> 20);
        }
        return true;
    }

    /** Collections so far. */
    public synchronized long collections() {
        return collections;
    }

    /** Seconds spent collecting so far. */
    public synchronized double collectSeconds() {
        return collectNanos / 1e9;
    }

    /** The slack and what was collected so far, for the record. */
    @Override
    public synchronized String toString() {
        return String.format(Locale.ROOT, "off-heap collection slack %s, %d collections so far (%.2f s)",
                slackBytes < 0 ? "off" : (slackBytes >> 20) + " MB", collections, collectNanos / 1e9);
    }
}
