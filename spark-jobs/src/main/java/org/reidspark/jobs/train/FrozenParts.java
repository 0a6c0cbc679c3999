package org.reidspark.jobs.train;

import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frozen components of a training state (a teacher network, fixed tables) on an executor: read from their
 * broadcast once per executor JVM and concurrent task, then lent to the tasks of every later round, so they are
 * neither re-sent nor re-read each round. A task borrows an instance for its round (DL4J graphs are not
 * thread-safe) and returns it; only the two most recent trainings' instances are kept. Instances are kept by Spark
 * application and broadcast id together: broadcast ids start again at 0 in every SparkContext, so by id alone a
 * later training in the same JVM (local mode, a driver that runs several jobs) would borrow an earlier one's parts.
 */
final class FrozenParts {
    private static final int TRAININGS_KEPT = 2;
    private static final Map<String, ArrayDeque<TrainingState>> FREE = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<TrainingState>> eldest) {
            return size() > TRAININGS_KEPT;
        }
    };
    /** Times an instance was read from a broadcast in this JVM (for tests of "read once"). */
    private static long reads;

    private FrozenParts() {
    }

    /** An instance of the frozen components broadcast as {@code frozen}, for this task alone until {@link #release}. */
    static TrainingState borrow(Broadcast<byte[]> frozen) {
        synchronized (FREE) {
            ArrayDeque<TrainingState> free = FREE.get(key(frozen));
            if (free != null && !free.isEmpty()) return free.pop();
            reads++;
        }
        try {
            return TrainingState.read(new ByteArrayInputStream(frozen.value()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the frozen part of the training state", e);
        }
    }

    /** Returns an instance borrowed from {@code frozen}. */
    static void release(Broadcast<byte[]> frozen, TrainingState part) {
        synchronized (FREE) {
            FREE.computeIfAbsent(key(frozen), id -> new ArrayDeque<>()).push(part);
        }
    }

    /** The application's id and the broadcast's: unique in a JVM across SparkContexts. */
    private static String key(Broadcast<byte[]> frozen) {
        SparkEnv env = SparkEnv.get();
        return (env == null ? "" : env.conf().getAppId()) + "/" + frozen.id();
    }

    /** How many times this JVM read frozen components from a broadcast. */
    static long reads() {
        synchronized (FREE) {
            return reads;
        }
    }
}
