package org.reidspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many native (OpenMP) threads a Spark task's network work uses on ND4J's CPU backend. ND4J starts as many OpenMP
 * threads per operation as the machine has cores, whoever calls it; with several task slots in one executor (the default
 * {@code local[*]}: one slot per core, all in one JVM) every concurrent task does so, the cores are oversubscribed and
 * OpenMP's waiting threads spin against each other. {@link #apply(int)}, first thing in a task that runs a network, gives
 * the task's own thread the cores that are its share instead ({@code omp_set_num_threads} acts on the calling thread
 * only: the driver's thread and other tasks keep theirs):
 * <ul>
 *   <li>{@code local[N]}: the machine's cores / the concurrent tasks, the fewer of the slots (N / {@code spark.task.cpus})
 *       and the stage's tasks; {@code local[1]}, or a stage of one task, keeps every core;</li>
 *   <li>{@code local-cluster[n, c, m]}: the same with all executors' slots (n x c / {@code spark.task.cpus});</li>
 *   <li>a cluster (standalone, YARN, Kubernetes): {@code spark.task.cpus}, the cores Spark reserves for a task.</li>
 * </ul>
 * An {@code OMP_NUM_THREADS} in the executor's environment ({@code spark.executorEnv.OMP_NUM_THREADS}, or the
 * launcher's environment in local mode) is the user's choice and is left as it is; so is the CUDA backend. Not for
 * tasks that share one network one forward pass at a time ({@code extract}'s executor-wide network): that pass should
 * keep every core.
 *
 * <p>Measured (docs/performance.md, "One OpenMP thread per task slot"): two concurrent training tasks of the default
 * network on 2 cores take 0.05-0.06 s per step with one thread each against 0.09-0.12 s with ND4J's default.
 */
public final class TaskThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TaskThreads.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

    /**
     * @param threads the OpenMP threads a task uses; 0 = left as they are (ND4J's default or the user's setting)
     * @param reason  one line saying why
     */
    public record Choice(int threads, String reason) {
        public Choice {
            if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
    }

    private TaskThreads() {
    }

    /**
     * Sets the calling task thread's OpenMP threads to its share of the cores (see the class comment); outside a Spark
     * task, on the CUDA backend, or with {@code OMP_NUM_THREADS} set, does nothing. Returns what was decided.
     *
     * @param tasks the tasks of the calling task's stage (its RDD's partitions): no more than these run at once
     */
    public static Choice apply(int tasks) {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (task == null || env == null) return new Choice(0, "not in a Spark task");
        if (!Nd4j.getEnvironment().isCPU()) return new Choice(0, "ND4J's CUDA backend");
        SparkConf conf = env.conf();
        Choice choice = choose(conf.get("spark.master", ""), task.cpus(), Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_NUM_THREADS"), tasks);
        if (choice.threads() > 0) setThreads(choice.threads());
        if (LOGGED.compareAndSet(false, true)) LOG.info("native threads per task: {}", choice.reason());
        return choice;
    }

    /**
     * The decision, without touching Spark or ND4J.
     *
     * @param master     {@code spark.master}
     * @param taskCpus   {@code spark.task.cpus} (the task's {@link TaskContext#cpus()})
     * @param processors the cores this JVM sees
     * @param ompEnv     the process's {@code OMP_NUM_THREADS}, or null
     * @param tasks      the stage's tasks
     */
    public static Choice choose(String master, int taskCpus, int processors, String ompEnv, int tasks) {
        if (ompEnv != null && !ompEnv.isBlank()) {
            return new Choice(0, "OMP_NUM_THREADS=" + ompEnv.trim() + " is set, so ND4J's threads are left as set");
        }
        int perTask = Math.max(1, taskCpus);
        String m = master == null ? "" : master.trim();
        Matcher local = LOCAL.matcher(m);
        if (local.matches()) {
            int cores = localCores(local, processors);
            return share(m, Math.max(1, cores / perTask), tasks, processors);
        }
        Matcher cluster = LOCAL_CLUSTER.matcher(m);
        if (cluster.matches()) {
            int slots = Integer.parseInt(cluster.group(1)) * Math.max(1, Integer.parseInt(cluster.group(2)) / perTask);
            return share(m, Math.max(1, slots), tasks, processors);
        }
        int threads = Math.min(perTask, Math.max(1, processors));
        return new Choice(threads, String.format(Locale.ROOT, "%d (spark.task.cpus = %d on %s)", threads, taskCpus,
                m.isEmpty() ? "a cluster" : m));
    }

    /**
     * {@link #lanes(String, int, int, int, String, boolean, int, int)} for the calling Spark task's executor (its
     * master, {@code spark.task.cpus}, {@code spark.executor.cores}, the machine's processors, {@code OMP_NUM_THREADS},
     * ND4J's backend); outside a Spark task, one lane with ND4J's threads.
     */
    public static Lanes lanes(int tasks, int configured) {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (task == null || env == null) return new Lanes(Math.max(1, configured), 0, "not in a Spark task");
        SparkConf conf = env.conf();
        return lanes(conf.get("spark.master", ""), task.cpus(), conf.getInt("spark.executor.cores", 0),
                Runtime.getRuntime().availableProcessors(), System.getenv("OMP_NUM_THREADS"), Nd4j.getEnvironment().isCPU(),
                tasks, configured);
    }

    /**
     * Sets the calling thread's OpenMP threads (ND4J's CPU backend; the thread's later operations use that many). ND4J
     * is initialised first: its native ops fail to load (ExceptionInInitializerError) in a JVM where nothing has yet.
     */
    public static void setThreads(int threads) {
        Nd4j.getEnvironment();
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /**
     * How many forward passes one executor JVM runs at once when its tasks hand their passes to long-lived network
     * threads ({@code extract}'s lanes), and the OpenMP threads of each: {@code configured} lanes if positive (the
     * processors shared among them), else one per task slot of this executor (no more than the stage's {@code tasks}),
     * each with a task's share of the cores ({@link #choose}). One lane keeps ND4J's threads as they are (every core),
     * as does the CUDA backend ({@code cpu} false: one lane) and an {@code OMP_NUM_THREADS} the user set.
     *
     * @param executorCores {@code spark.executor.cores} when set, else 0 (a cluster executor then counts the machine's
     *                      processors)
     */
    public static Lanes lanes(String master, int taskCpus, int executorCores, int processors, String ompEnv, boolean cpu,
                              int tasks, int configured) {
        if (!cpu) return new Lanes(1, 0, "one lane on ND4J's CUDA backend");
        int perTask = Math.max(1, taskCpus);
        String m = master == null ? "" : master.trim();
        int slots;
        Matcher local = LOCAL.matcher(m);
        Matcher cluster = LOCAL_CLUSTER.matcher(m);
        if (local.matches()) {
            slots = localCores(local, processors) / perTask;
        } else if (cluster.matches()) {
            slots = Integer.parseInt(cluster.group(2)) / perTask;
        } else {
            slots = (executorCores > 0 ? executorCores : processors) / perTask;
        }
        int n = configured > 0 ? configured : Math.max(1, Math.min(slots, Math.max(1, tasks)));
        if (n == 1) return new Lanes(1, 0, "1 lane with ND4J's threads (every core)");
        boolean userThreads = ompEnv != null && !ompEnv.isBlank();
        if (userThreads) return new Lanes(n, 0, n + " lanes, OMP_NUM_THREADS=" + ompEnv.trim() + " threads each (set by the user)");
        int threads = configured > 0 ? Math.max(1, processors / n) : choose(m, taskCpus, processors, null, tasks).threads();
        return new Lanes(n, threads, String.format(Locale.ROOT, "%d lanes, %d OpenMP thread%s each (%d processors, %s)", n,
                threads, threads == 1 ? "" : "s", processors, m.isEmpty() ? "a cluster" : m));
    }

    /**
     * @param count   long-lived network threads, each with its own network
     * @param threads OpenMP threads of each; 0 = left as they are
     * @param reason  one line saying why
     */
    public record Lanes(int count, int threads, String reason) implements java.io.Serializable {
        public Lanes {
            if (count < 1 || threads < 0) throw new IllegalArgumentException("lanes " + count + ", threads " + threads);
        }
    }

    /** The cores of a {@code local[N]} master ({@link #LOCAL} matched): N, the processors for {@code *}, 1 for {@code local}. */
    private static int localCores(Matcher local, int processors) {
        return local.group(1) == null ? 1 : local.group(1).equals("*") ? processors : Integer.parseInt(local.group(1));
    }

    private static Choice share(String master, int slots, int tasks, int processors) {
        int concurrent = Math.max(1, Math.min(slots, tasks));
        int threads = Math.max(1, processors / concurrent);
        return new Choice(threads, String.format(Locale.ROOT, "%d (%d cores shared by %d concurrent task%s on %s)", threads,
                processors, concurrent, concurrent == 1 ? "" : "s", master));
    }
}
