package org.reidspark.jobs.extract;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PartitionExtractor.Resident#pass}: every task's forward passes run on one long-lived thread of the JVM (where
 * DL4J's inference workspaces stay sized), one at a time, with each pass's result or exception returned to its caller.
 */
class ResidentPassesTest {
    @Test
    void passesFromManyTasksRunOneAtATimeOnOneThreadThatOutlivesThem() throws Exception {
        Set<Thread> runners = Collections.synchronizedSet(new HashSet<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        ExecutorService tasks = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int task = t;
                results.add(tasks.submit(() -> {
                    int sum = 0;
                    for (int batch = 0; batch < 5; batch++) {
                        int b = batch;
                        sum += PartitionExtractor.Resident.pass(() -> {
                            runners.add(Thread.currentThread());
                            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                            Thread.sleep(2);
                            running.decrementAndGet();
                            return 10 * task + b;
                        });
                    }
                    return sum;
                }));
            }
            for (int t = 0; t < 4; t++) assertEquals(50 * t + 10, results.get(t).get(), "task " + t + "'s own results");
        } finally {
            tasks.shutdownNow();
        }
        assertEquals(1, runners.size(), "one thread ran every pass: " + runners);
        assertEquals(1, mostAtOnce.get(), "passes overlapped");
        Thread runner = runners.iterator().next();
        assertTrue(runner.isDaemon() && runner.getName().startsWith("reid-extract-network-"), runner.toString());
        assertSame(runner, PartitionExtractor.Resident.pass(Thread::currentThread), "a later job's passes run on the same thread");
    }

    @Test
    void aFailingPassFailsItsCallerAndTheThreadGoesOn() throws Exception {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> PartitionExtractor.Resident.pass(() -> {
                    throw new IllegalStateException("no memory for the batch");
                }));
        assertEquals("no memory for the batch", thrown.getMessage());
        Callable<Integer> checked = () -> {
            throw new java.io.FileNotFoundException("weights.bin");
        };
        IOException io = assertThrows(IOException.class, () -> PartitionExtractor.Resident.pass(checked));
        assertTrue(io.getMessage().contains("weights.bin"), io.getMessage());
        assertEquals(42, PartitionExtractor.Resident.pass(() -> 42));
    }
}
