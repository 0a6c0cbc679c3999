package org.reidspark.model;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadShareTest {
    /** Every index once, in as many parts as asked (at most one per index), the first on the calling thread. */
    @Test
    void everyIndexOnceHoweverTheRangeIsSplit() {
        for (int count : new int[]{1, 2, 7, 64, 100_003}) {
            for (int parts : new int[]{1, 2, 3, 8}) {
                int[] seen = new int[count];
                Set<Thread> threads = ConcurrentHashMap.newKeySet();
                AtomicInteger calls = new AtomicInteger();
                ThreadShare.forRanges(count, parts, (from, to) -> {
                    calls.incrementAndGet();
                    if (from == 0) threads.add(Thread.currentThread());
                    for (int i = from; i < to; i++) {
                        synchronized (seen) {
                            seen[i]++;
                        }
                    }
                });
                for (int i = 0; i < count; i++) assertEquals(1, seen[i], count + " indices in " + parts + " parts");
                assertEquals(Math.min(count, parts), calls.get(), count + " indices in " + parts + " parts: parts");
                assertEquals(Set.of(Thread.currentThread()), threads, "the first part runs on the calling thread");
            }
        }
    }

    @Test
    void aHelpersFailureReachesTheCaller() {
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> ThreadShare.forRanges(4, 2,
                (from, to) -> {
                    if (from > 0) throw new IllegalStateException("part from " + from);
                }));
        assertEquals("part from 2", failed.getMessage());
    }

    @Test
    void smallLoopsStayOnTheCallingThread() {
        assertEquals(1, ThreadShare.parts(ThreadShare.MIN_PARALLEL_VALUES - 1));
        assertEquals(ThreadShare.nativeThreads(), ThreadShare.parts(ThreadShare.MIN_PARALLEL_VALUES));
    }

    /** The OpenBLAS setting is a thread count (0: ND4J's own); anything else fails naming the property. */
    @Test
    void theBlasSettingIsACount() {
        assertEquals(1, ThreadShare.blasThreads("1"));
        assertEquals(0, ThreadShare.blasThreads(" 0 "));
        for (String bad : new String[]{"-1", "two", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThreadShare.blasThreads(bad));
            assertTrue(e.getMessage().contains(ThreadShare.BLAS_THREADS_PROPERTY), e.getMessage());
        }
    }
}
