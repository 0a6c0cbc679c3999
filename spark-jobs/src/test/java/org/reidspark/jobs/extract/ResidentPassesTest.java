package org.reidspark.jobs.extract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.reidspark.embed.TestNetwork;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.run.TestModel;
import org.reidspark.run.TrainedModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PartitionExtractor.Resident#pass}: every task's forward passes run on the JVM's long-lived lanes (where
 * DL4J's inference workspaces stay sized): one lane runs them one at a time on one thread; two lanes run at most two at
 * once, each on its own thread with its own network and its OpenMP threads; each pass's result or exception returns
 * to its caller.
 */
class ResidentPassesTest {
    private static final TaskThreads.Lanes ONE = new TaskThreads.Lanes(1, 0, "test");
    private static final TaskThreads.Lanes TWO = new TaskThreads.Lanes(2, 1, "test");

    @TempDir
    Path tmp;

    /** 4 tasks x 5 passes on {@code lanes}; returns the threads that ran them and the most that ran at once. */
    private static int[] run(TaskThreads.Lanes lanes, Set<Thread> runners) throws Exception {
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
                        sum += PartitionExtractor.Resident.pass(lanes, () -> {
                            runners.add(Thread.currentThread());
                            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                            Thread.sleep(5);
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
        return new int[]{runners.size(), mostAtOnce.get()};
    }

    @Test
    void oneLaneRunsPassesOneAtATimeOnOneThreadThatOutlivesThem() throws Exception {
        Set<Thread> runners = Collections.synchronizedSet(new HashSet<>());
        int[] r = run(ONE, runners);
        assertEquals(1, r[0], "one thread ran every pass: " + runners);
        assertEquals(1, r[1], "passes overlapped");
        Thread runner = runners.iterator().next();
        assertTrue(runner.isDaemon() && runner.getName().startsWith("reid-extract-network-"), runner.toString());
        assertSame(runner, PartitionExtractor.Resident.pass(ONE, Thread::currentThread), "a later job's passes run on the same thread");
    }

    @Test
    void twoLanesRunAtMostTwoPassesAtOnceEachWithItsOwnNetworkAndThreads() throws Exception {
        Set<Thread> runners = Collections.synchronizedSet(new HashSet<>());
        int[] r = run(TWO, runners);
        assertEquals(2, r[0], "two lane threads: " + runners);
        assertTrue(r[1] <= 2, "at most two passes at once, saw " + r[1]);
        for (Thread t : runners) assertTrue(t.isDaemon() && t.getName().startsWith("reid-extract-network-"), t.toString());
        for (int i = 0; i < 4; i++) {
            assertEquals(1, PartitionExtractor.Resident.pass(TWO,
                    () -> NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads()), "each lane's OpenMP threads");
        }

        // each lane restores the model once, on its own thread, and keeps it
        TestModel model = TrainedModel.open(ExtractFixture.localStorage(),
                ExtractFixture.publishModel(tmp, "tiny", 3).toString()).portable();
        Map<Thread, TestNetwork> byLane = new HashMap<>();
        ExecutorService tasks = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 6; i++) {
                List<Future<Object[]>> both = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    both.add(tasks.submit(() -> PartitionExtractor.Resident.pass(TWO, () -> {
                        TestNetwork n = PartitionExtractor.Resident.network(model);
                        Thread.sleep(5);
                        return new Object[]{Thread.currentThread(), n};
                    })));
                }
                for (Future<Object[]> f : both) {
                    Object[] seen = f.get();
                    TestNetwork before = byLane.putIfAbsent((Thread) seen[0], (TestNetwork) seen[1]);
                    if (before != null) assertSame(before, seen[1], "a lane keeps its network");
                }
            }
        } finally {
            tasks.shutdownNow();
        }
        assertEquals(2, byLane.size(), "both lanes ran passes: " + byLane.keySet());
        List<TestNetwork> networks = new ArrayList<>(byLane.values());
        assertNotSame(networks.get(0), networks.get(1), "each lane has its own network");
    }

    @Test
    void aFailingPassFailsItsCallerAndTheLaneGoesOn() throws Exception {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> PartitionExtractor.Resident.pass(ONE, () -> {
                    throw new IllegalStateException("no memory for the batch");
                }));
        assertEquals("no memory for the batch", thrown.getMessage());
        Callable<Integer> checked = () -> {
            throw new java.io.FileNotFoundException("weights.bin");
        };
        IOException io = assertThrows(IOException.class, () -> PartitionExtractor.Resident.pass(ONE, checked));
        assertTrue(io.getMessage().contains("weights.bin"), io.getMessage());
        assertEquals(42, PartitionExtractor.Resident.pass(ONE, () -> 42));
    }
}
