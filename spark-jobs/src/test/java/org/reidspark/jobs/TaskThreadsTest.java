package org.reidspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task's share of the cores: the rule for each kind of master, the user's OMP_NUM_THREADS left alone, and on local
 * Spark the setting reaching the task's own thread while the driver's thread keeps ND4J's default.
 */
class TaskThreadsTest {

    @Test
    void localModeSharesTheMachineAmongTheConcurrentTasks() {
        assertEquals(1, TaskThreads.choose("local[*]", 1, 2, null, 100).threads());
        assertEquals(1, TaskThreads.choose("local[2]", 1, 2, null, 100).threads());
        assertEquals(4, TaskThreads.choose("local[2]", 1, 8, null, 100).threads());
        assertEquals(2, TaskThreads.choose("local[1]", 1, 2, null, 100).threads(), "one task keeps every core");
        assertEquals(2, TaskThreads.choose("local", 1, 2, null, 100).threads());
        assertEquals(2, TaskThreads.choose("local[4,3]", 2, 4, null, 100).threads(), "4 cores, 2 per task: 2 slots");
        assertEquals(1, TaskThreads.choose("local[16]", 1, 2, null, 100).threads(), "more slots than cores: still one thread");
        assertEquals(4, TaskThreads.choose("local[*]", 1, 8, null, 2).threads(), "2 tasks on 8 slots: 4 cores each");
        assertEquals(8, TaskThreads.choose("local[*]", 1, 8, null, 1).threads(), "a stage of one task keeps every core");
        assertEquals(2, TaskThreads.choose("local-cluster[2,2,1024]", 1, 4, null, 2).threads());
        assertEquals(1, TaskThreads.choose("local-cluster[2,1,1024]", 1, 2, null, 100).threads());
        assertEquals(3, TaskThreads.choose("local-cluster[2, 2, 1024]", 1, 12, null, 100).threads());
        TaskThreads.Choice c = TaskThreads.choose("local[*]", 1, 2, null, 100);
        assertTrue(c.reason().contains("2 cores shared by 2 concurrent tasks on local[*]"), c.reason());
    }

    @Test
    void aClusterTaskGetsTheCoresSparkReservesForIt() {
        assertEquals(1, TaskThreads.choose("spark://host:7077", 1, 32, null, 100).threads());
        assertEquals(8, TaskThreads.choose("yarn", 8, 32, null, 100).threads());
        assertEquals(4, TaskThreads.choose("k8s://https://api:6443", 8, 4, null, 100).threads(), "never more than the cores seen");
        assertTrue(TaskThreads.choose("yarn", 8, 32, null, 100).reason().contains("spark.task.cpus = 8"));
    }

    @Test
    void theUsersOmpNumThreadsIsLeftAsSet() {
        TaskThreads.Choice c = TaskThreads.choose("local[*]", 1, 2, "3", 100);
        assertEquals(0, c.threads());
        assertTrue(c.reason().contains("OMP_NUM_THREADS=3"), c.reason());
        assertEquals(1, TaskThreads.choose("local[*]", 1, 2, " ", 100).threads(), "a blank value is not a choice");
    }

    @Test
    void outsideATaskNothingChanges() {
        assertEquals(0, TaskThreads.apply(2).threads());
    }

    @Test
    void theTaskThreadGetsItsShareAndTheDriverKeepsItsThreads() {
        Nd4j.create(1); // ND4J initialized: its default on this thread
        int driverBefore = ompMaxThreads();
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("task-threads")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            List<int[]> seen = jsc.parallelize(List.of(1, 2), 2).map(i -> {
                int before = ompMaxThreads();
                TaskThreads.Choice choice = TaskThreads.apply(2);
                return new int[]{before, choice.threads(), ompMaxThreads()};
            }).collect();
            int processors = Runtime.getRuntime().availableProcessors();
            TaskThreads.Choice expected = TaskThreads.choose("local[2]", 1, processors, System.getenv("OMP_NUM_THREADS"), 2);
            for (int[] s : seen) {
                assertEquals(expected.threads(), s[1]);
                // with a choice the task's thread runs with it; without one (OMP_NUM_THREADS set) with what it had
                assertEquals(expected.threads() > 0 ? expected.threads() : s[0], s[2]);
            }
        }
        assertEquals(driverBefore, ompMaxThreads(), "the driver's thread keeps its OpenMP threads");
    }

    private static int ompMaxThreads() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    @Test
    void extractLanesAreTheExecutorsTaskSlotsEachWithATasksShare() {
        TaskThreads.Lanes two = TaskThreads.lanes("local[2]", 1, 0, 2, null, true, 24, 0);
        assertEquals(2, two.count());
        assertEquals(1, two.threads());
        assertEquals(4, TaskThreads.lanes("local[2]", 1, 0, 8, null, true, 24, 0).threads(), "8 cores for 2 lanes");
        assertEquals(1, TaskThreads.lanes("local[2]", 1, 0, 2, null, true, 1, 0).count(), "a stage of one task: one lane");
        assertEquals(0, TaskThreads.lanes("local[2]", 1, 0, 2, null, true, 1, 0).threads(), "... with every core");
        assertEquals(1, TaskThreads.lanes("local-cluster[2,1,1024]", 1, 0, 2, null, true, 24, 0).count(), "one slot per executor");
        assertEquals(4, TaskThreads.lanes("spark://m:7077", 1, 4, 16, null, true, 100, 0).count(), "spark.executor.cores");
        assertEquals(2, TaskThreads.lanes("spark://m:7077", 2, 4, 16, null, true, 100, 0).count(), "2 cpus per task");
        assertEquals(2, TaskThreads.lanes("spark://m:7077", 2, 4, 16, null, true, 100, 0).threads());
        assertEquals(1, TaskThreads.lanes("local[8]", 1, 0, 8, null, false, 24, 0).count(), "CUDA: one lane");
        TaskThreads.Lanes user = TaskThreads.lanes("local[2]", 1, 0, 2, "3", true, 24, 0);
        assertEquals(2, user.count());
        assertEquals(0, user.threads(), "OMP_NUM_THREADS is left as set");
        TaskThreads.Lanes configured = TaskThreads.lanes("local[8]", 1, 0, 8, null, true, 24, 1);
        assertEquals(1, configured.count());
        assertEquals(0, configured.threads(), "one configured lane: every core");
        assertEquals(2, TaskThreads.lanes("local[8]", 1, 0, 8, null, true, 24, 4).threads(), "4 configured lanes share 8");
    }
}
