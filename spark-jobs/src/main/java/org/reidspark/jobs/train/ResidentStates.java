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
 * The training states an executor keeps between the rounds of a parameter-averaging training: built once per executor
 * JVM and concurrent task from the training's template (a {@link TrainingState.Part#TRAINABLE} write, broadcast once,
 * with the frozen components attached: a teacher, fixed tables, read from their own broadcast once per instance and
 * never sent again), then lent to the tasks of every later round, which
 * write the round's values into them ({@link org.reidspark.train.StateValues}). So a round neither sends nor parses
 * graph configurations and model zips, and builds no network. What a task computes still comes from the round's
 * broadcast alone (every value of the trainable part is overwritten), so a retried task, or one on an executor that
 * never saw the training, computes the same update.
 *
 * <p>A task borrows an instance for its round (DL4J graphs are not thread-safe) and returns it when the round went
 * through (one that failed half-way is dropped). Instances are kept by Spark application, template broadcast id
 * (broadcast ids start again at 0 in every SparkContext), the GPU the task is bound to (-1 for none: an instance's
 * arrays live on the device that built it) and, in the compact exchange, the worker; only the two
 * most recent templates' instances are kept, so a template sent again when the state's layout changed (a step added
 * auxiliary state on the driver) frees the old ones.
 */
final class ResidentStates {
    private static final int TEMPLATES_KEPT = 2;
    /** Free instances by template (application and broadcast id), then by slot (device and, compact, worker). */
    private static final Map<String, Map<String, ArrayDeque<TrainingState>>> FREE = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, ArrayDeque<TrainingState>>> eldest) {
            return size() > TEMPLATES_KEPT;
        }
    };
    /** Times an instance was built from a template in this JVM (for tests of "built once"). */
    private static long builds;
    /** Times the frozen components were read from their broadcast in this JVM (once per instance built). */
    private static long frozenReads;

    private ResidentStates() {
    }

    /**
     * An instance of the state whose template is {@code template}, with the frozen components of {@code frozen} (null
     * when there are none) attached, on {@code device} (the task's GPU, -1 for none), for this task alone until
     * {@link #release}. With {@code worker} >= 0 (the compact exchange, where an instance holds that worker's own
     * optimizer state) only that worker's instance is lent; with -1 any. Its values are those of its last round: the
     * caller writes the round's values into it.
     */
    static TrainingState borrow(Broadcast<byte[]> template, Broadcast<byte[]> frozen, int device, int worker) {
        synchronized (FREE) {
            Map<String, ArrayDeque<TrainingState>> slots = FREE.get(templateKey(template));
            ArrayDeque<TrainingState> free = slots == null ? null : slots.get(device + "/" + worker);
            if (free != null && !free.isEmpty()) return free.pop();
            builds++;
            if (frozen != null) frozenReads++;
        }
        TrainingState state = read(template, "the broadcast training state");
        if (frozen != null) state.attach(read(frozen, "the frozen part of the training state"));
        return state;
    }

    private static TrainingState read(Broadcast<byte[]> bytes, String what) {
        try {
            return TrainingState.read(new ByteArrayInputStream(bytes.value()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what, e);
        }
    }

    /** Returns an instance borrowed with the same arguments, after a round that went through. */
    static void release(Broadcast<byte[]> template, int device, int worker, TrainingState state) {
        synchronized (FREE) {
            FREE.computeIfAbsent(templateKey(template), k -> new LinkedHashMap<>())
                    .computeIfAbsent(device + "/" + worker, k -> new ArrayDeque<>()).push(state);
        }
    }

    private static String templateKey(Broadcast<byte[]> template) {
        SparkEnv env = SparkEnv.get();
        return (env == null ? "" : env.conf().getAppId()) + "/" + template.id();
    }

    /** How many instances this JVM built from a template. */
    static long builds() {
        synchronized (FREE) {
            return builds;
        }
    }

    /** How many times this JVM read frozen components from a broadcast. */
    static long frozenReads() {
        synchronized (FREE) {
            return frozenReads;
        }
    }
}
