package org.reidspark.jobs;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.ChildJob;
import org.reidspark.jobs.testing.ExecutorKiller;
import org.reidspark.jobs.testing.GateFileSystem;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.LogCapture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train job under real process faults (issue 18): an executor JVM of {@code local-cluster} killed with SIGKILL at
 * the start of a training task after the first epoch's checkpoint (its cached shards and shuffle files lost), and the
 * driver killed with SIGKILL while it writes the second (last) epoch's checkpoint, then the same command run again. Both end with the model of an unfaulted run
 * of the same command (parameters within 1e-4, the tolerance TrainJobTest allows between local[2] and local-cluster).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainProcessFaultsTest {
    private Path data;
    private INDArray unfaulted;

    /** The tiny training of TrainJobTest (2 epochs) with a checkpoint after each epoch. */
    private List<String> training(Path runs) {
        List<String> args = TrainJobTest.tinyTraining(data, runs);
        args.add("reid.train.checkpoint-every=1");
        return args;
    }

    @BeforeAll
    void unfaultedRun(@TempDir Path shared) throws Exception {
        data = MarketTree.write(shared.resolve("data"));
        JobRun r = JobRun.run(training(shared.resolve("runs")));
        assertEquals(0, r.code(), r.err() + r.out());
        unfaulted = TrainJobTest.finalParams(shared.resolve("runs/t"));
    }

    /**
     * With a Spark job per round the executor dies at the start of epoch 2's round task; with resident workers (one
     * long task per worker, started in epoch 1) it dies as soon as the checkpoint exists, while it runs its worker, and
     * the worker's new task attempt connects to the driver again on the replacement executor.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jobs", "resident"})
    void anExecutorKilledMidTaskIsReplacedAndTheModelIsUnchanged(String rounds, @TempDir Path tmp) throws Exception {
        Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(sparkHome.resolve("jars"));
        Path runs = tmp.resolve("runs");
        Path report = tmp.resolve("killed.txt");
        List<String> args = training(runs);
        args.set(1, "reid.spark.master=\"local-cluster[2,1,1024]\"");
        args.addAll(List.of("reid.spark.conf.\"spark.executor.extraClassPath\"=\"" + System.getProperty("surefire.test.class.path") + "\"",
                "reid.spark.conf.\"spark.extraListeners\"=" + ExecutorKiller.class.getName(),
                "reid.spark.conf.\"spark.reid.test.kill-executor-after\"=\"" + runs.resolve("._incomplete-t/checkpoints/state.bin") + "\"",
                "reid.spark.conf.\"spark.reid.test.kill-executor-report\"=\"" + report + "\"",
                "reid.spark.conf.\"spark.reid.test.kill-executor-mode\"=" + (rounds.equals("jobs") ? "task-start" : "running"),
                "reid.distributed.rounds=" + rounds));
        JobRun r;
        String logs;
        try (LogCapture log = new LogCapture()) {
            r = JobRun.run(args);
            logs = log.text();
        }
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(Files.exists(report), "no executor was killed");
        assertTrue(Files.readString(report).startsWith("killed executor"), Files.readString(report));
        if (rounds.equals("resident")) {
            assertTrue(logs.contains("resident workers started") && logs.contains("connected again (task attempt"),
                    "a resident worker's task was killed and its next attempt connected: " + Files.readString(report));
        } else {
            assertTrue(!logs.contains("resident workers started"), "a Spark job per round");
        }
        INDArray faulted = TrainJobTest.finalParams(runs.resolve("t"));
        assertTrue(unfaulted.equalsWithEps(faulted, 1e-4), "the killed executor changed the model");
    }

    @Test
    void aDriverKilledMidTrainingResumesFromItsLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path runs = tmp.resolve("runs");
        Path reached = tmp.resolve("reached");
        List<String> args = training(runs);
        List<String> gated = new java.util.ArrayList<>(args);
        // the first checkpoint (epoch 1) is written; the driver stops when it starts writing the second
        gated.addAll(GateFileSystem.overrides("state.bin", 1, reached));
        ChildJob job = ChildJob.start(tmp.resolve("driver.log"), gated);
        job.awaitFile(reached, 300);
        assertEquals(137, job.kill(), "killed by SIGKILL");
        assertTrue(Files.exists(runs.resolve("._incomplete-t/checkpoints/state.bin")), job.output());
        assertFalse(Files.exists(runs.resolve("t")), "nothing published by the killed driver");

        JobRun rerun;
        String logs;
        try (LogCapture log = new LogCapture()) {
            rerun = JobRun.run(args);
            logs = log.text();
        }
        assertEquals(0, rerun.code(), rerun.err() + rerun.out());
        assertTrue(logs.contains("resuming from") && logs.contains("at epoch 1"), "the rerun resumed from the epoch-1 checkpoint: " + logs);
        assertTrue(Files.exists(runs.resolve("t/_PUBLISHED")));
        INDArray resumed = TrainJobTest.finalParams(runs.resolve("t"));
        assertTrue(unfaulted.equalsWithEps(resumed, 1e-4), "the resumed run ended with another model than the unfaulted one");
    }
}
