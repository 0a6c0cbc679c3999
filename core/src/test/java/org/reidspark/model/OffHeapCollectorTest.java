package org.reidspark.model;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The off-heap collector's rule, on a simulated resident size and clock: when it collects by the slack, when by what
 * the growth costs to touch against what a collection takes, and how its property is read.
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
        Sim sim = new Sim(64);
        // 30 MB a step, below what the first collection's assumed 50 ms would zero (83 MB): only the slack acts
        assertFalse(sim.step(1, 30), "first step sets the baseline at 530 MB");
        assertFalse(sim.step(1, 30), "grown 30");
        assertFalse(sim.step(1, 30), "grown 60");
        assertFalse(sim.step(1, 4), "grown exactly the slack");
        sim.residentAfterCollect = 520 * MB;
        assertTrue(sim.step(1, 1), "grown more than the slack");
        assertEquals(1, sim.collections.get());
        assertEquals(1, sim.collector.collections());
        // the baseline is what the collection left; 40 ms collections would take 66 MB to pay off, more than the slack
        assertFalse(sim.step(1, 64));
        assertTrue(sim.step(1, 1));
    }

    @Test
    void theBaselineFollowsTheLowestResidentSizeSeen() {
        Sim sim = new Sim(60);
        assertFalse(sim.step(1, 0));
        assertFalse(sim.step(1, -200), "deallocation after an earlier collection lowers the baseline to 300 MB");
        assertFalse(sim.step(1, 60));
        assertTrue(sim.step(1, 1), "361 MB is more than 60 MB above 300 MB");
    }

    @Test
    void collectsOnceTheGrowthCostMoreToTouchThanACollectionTakes() {
        Sim sim = new Sim(1024);
        sim.collectMillis = 12;
        // before any collection one is assumed to take 50 ms: 50 / 0.6 = 83.3 MB of growth
        assertFalse(sim.step(300, 0), "first step sets the baseline");
        assertFalse(sim.step(300, 40));
        assertFalse(sim.step(300, 40), "grown 80 MB: 48 ms to touch");
        sim.residentAfterCollect = 500 * MB;
        assertTrue(sim.step(300, 40), "grown 120 MB: 72 ms to touch");
        // that collection took 12 ms: 20 MB of growth pays for the next
        assertFalse(sim.step(300, 15));
        assertTrue(sim.step(300, 5), "grown 20 MB: 12 ms to touch");
        // a step that leaves hundreds of MB collects after every step
        for (int i = 0; i < 5; i++) assertTrue(sim.step(300, 200));
        assertEquals(7, sim.collector.collections());
        assertEquals(7 * 0.012, sim.collector.collectSeconds(), 1e-9);
    }

    @Test
    void stepsThatLeaveNothingNeverCollectHoweverLong() {
        Sim sim = new Sim(256);
        for (int i = 0; i < 20; i++) assertFalse(sim.step(10_000, 0));
        assertEquals(0, sim.collections.get());
    }

    @Test
    void aSlowCollectionNeedsMoreGrowthBeforeTheNext() {
        Sim sim = new Sim(1024);
        sim.collectMillis = 200;
        sim.residentAfterCollect = 500 * MB;
        assertFalse(sim.step(100, 0));
        assertTrue(sim.step(100, 90), "90 MB against the assumed 50 ms");
        // 200 ms collections: 333.3 MB of growth before the next
        int collected = 0;
        for (int i = 0; i < 33; i++) if (sim.step(100, 10)) collected++;
        assertEquals(0, collected, "330 MB");
        assertTrue(sim.step(100, 4), "334 MB");
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
