package org.reidspark.model;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The off-heap collector's rule, on a simulated resident size and clock: when it collects by growth, when by elapsed
 * time, and how its property is read.
 */
class OffHeapCollectorTest {
    private static final long MB = 1 << 20;

    /** A simulated process: resident bytes, a clock, and a collection that takes {@code collectMillis}. */
    private static final class Sim {
        final AtomicLong resident = new AtomicLong(500 * MB);
        final AtomicLong clock = new AtomicLong(0);
        final AtomicInteger collections = new AtomicInteger();
        long collectMillis = 40;
        long residentAfterCollect = -1;
        final OffHeapCollector collector;

        Sim(long slackMb) {
            collector = new OffHeapCollector(slackMb < 0 ? -1 : slackMb * MB, resident::get, clock::get, () -> {
                collections.incrementAndGet();
                clock.addAndGet(collectMillis * 1_000_000);
                if (residentAfterCollect >= 0) resident.set(residentAfterCollect);
            });
        }

        boolean step(long millis, long growMb) {
            clock.addAndGet(millis * 1_000_000);
            resident.addAndGet(growMb * MB);
            return collector.afterStep();
        }
    }

    @Test
    void collectsOnceResidentMemoryHasGrownByMoreThanTheSlack() {
        Sim sim = new Sim(256);
        // quick steps (1 ms each, far below the time rule) that each leave 100 MB of garbage
        assertFalse(sim.step(1, 100), "first step sets the baseline at 600 MB");
        assertFalse(sim.step(1, 100), "700 MB: grown 100");
        assertFalse(sim.step(1, 100), "800 MB: grown 200");
        assertFalse(sim.step(1, 56), "856 MB: grown exactly the slack");
        sim.residentAfterCollect = 520 * MB;
        assertTrue(sim.step(1, 1), "857 MB: grown more than the slack");
        assertEquals(1, sim.collections.get());
        assertEquals(1, sim.collector.collections());
        // the baseline is what the collection left
        assertFalse(sim.step(1, 256));
        assertTrue(sim.step(1, 1));
    }

    @Test
    void theBaselineFollowsTheLowestResidentSizeSeen() {
        Sim sim = new Sim(100);
        assertFalse(sim.step(1, 0));
        assertFalse(sim.step(1, -200), "deallocation after an earlier collection lowers the baseline to 300 MB");
        assertFalse(sim.step(1, 100));
        assertTrue(sim.step(1, 1), "401 MB is more than 100 MB above 300 MB");
    }

    @Test
    void collectsByElapsedTimeWhenStepsAreLongAgainstACollection() {
        Sim sim = new Sim(256);
        // the first collection by time assumes 50 ms: due after 19 x 50 ms
        assertFalse(sim.step(900, 0));
        assertTrue(sim.step(100, 0), "1000 ms since the start >= 950 ms");
        // that collection took 40 ms: the next is due 760 ms after it ended
        assertFalse(sim.step(700, 0));
        assertTrue(sim.step(60, 0));
        // steps of 1 s against collections of 40 ms: one after every step
        for (int i = 0; i < 5; i++) assertTrue(sim.step(1000, 0));
        assertEquals(7, sim.collector.collections());
        assertEquals(7 * 0.040, sim.collector.collectSeconds(), 1e-9);
    }

    @Test
    void aSlowCollectionSpacesTheNextOnesOut() {
        Sim sim = new Sim(1024);
        sim.collectMillis = 200;
        assertTrue(sim.step(1000, 0));
        int collected = 0;
        for (int i = 0; i < 38; i++) if (sim.step(100, 0)) collected++;
        // 3.8 s of 100 ms steps after a 200 ms collection: one every 3.8 s at most (19 x 200 ms)
        assertEquals(1, collected);
    }

    @Test
    void offNeverCollects() {
        Sim sim = new Sim(-1);
        for (int i = 0; i < 10; i++) assertFalse(sim.step(10_000, 10_000));
        assertEquals(0, sim.collections.get());
    }

    @Test
    void readsItsPropertyAndRejectsAnythingElseNamingIt() {
        assertEquals(OffHeapCollector.DEFAULT_SLACK_MB * MB, OffHeapCollector.slackBytes(null));
        assertEquals(64 * MB, OffHeapCollector.slackBytes("64"));
        assertEquals(0, OffHeapCollector.slackBytes(" 0 "));
        assertEquals(-1, OffHeapCollector.slackBytes("OFF"));
        for (String bad : new String[]{"-5", "1.5", "64m", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OffHeapCollector.slackBytes(bad));
            assertTrue(e.getMessage().contains(OffHeapCollector.SLACK_PROPERTY) && e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
        String before = System.getProperty(OffHeapCollector.SLACK_PROPERTY);
        try {
            System.setProperty(OffHeapCollector.SLACK_PROPERTY, "lots");
            assertThrows(IllegalArgumentException.class, OffHeapCollector::checkProperty);
            System.setProperty(OffHeapCollector.SLACK_PROPERTY, "off");
            OffHeapCollector.checkProperty();
        } finally {
            if (before == null) System.clearProperty(OffHeapCollector.SLACK_PROPERTY);
            else System.setProperty(OffHeapCollector.SLACK_PROPERTY, before);
        }
    }
}
