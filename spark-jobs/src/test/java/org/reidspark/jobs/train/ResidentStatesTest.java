package org.reidspark.jobs.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.train.MergeRule;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link ResidentStates} across SparkContexts in one JVM: broadcast ids start again at 0 in each context, and a later
 * training must get its own resident states and frozen parts, not the instances an earlier training left; within one
 * training an instance returned is lent again, and the frozen part is read once per instance.
 */
class ResidentStatesTest {
    private static ComputationGraph net(long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed).graphBuilder()
                .addInputs("in").addLayer("d", new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY)
                        .build(), "in").setOutputs("d").build());
        g.init();
        return g;
    }

    private static TrainingState state(long seed) {
        return new TrainingState(new NetworkSet().put("student", net(seed)).put("teacher", net(seed + 100), MergeRule.FROZEN));
    }

    /** The student's and the teacher's first parameter of the instance lent in a fresh context. */
    private static double[] lent(TrainingState s) throws Exception {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("resident-states")
                .set("spark.ui.enabled", "false"))) {
            Broadcast<byte[]> template = sc.broadcast(s.toBytes(TrainingState.Part.TRAINABLE));
            Broadcast<byte[]> frozen = sc.broadcast(s.toBytes(TrainingState.Part.FROZEN));
            long reads = ResidentStates.frozenReads();
            TrainingState first = ResidentStates.borrow(template, frozen, -1, -1);
            ResidentStates.release(template, -1, -1, first);
            TrainingState again = ResidentStates.borrow(template, frozen, -1, -1);
            assertSame(first, again, "an instance returned is lent again within one training");
            assertEquals(1, ResidentStates.frozenReads() - reads, "the frozen part is read once per instance");
            ResidentStates.release(template, -1, -1, again);
            return new double[]{again.network("student").params().getDouble(0), again.network("teacher").params().getDouble(0)};
        }
    }

    @Test
    void aLaterSparkContextGetsItsOwnStatesAndFrozenParts() throws Exception {
        TrainingState a = state(1);
        TrainingState b = state(2);
        assertNotEquals(a.network("teacher").params().getDouble(0), b.network("teacher").params().getDouble(0), "two teachers");
        double[] first = lent(a);
        assertEquals(a.network("student").params().getDouble(0), first[0]);
        assertEquals(a.network("teacher").params().getDouble(0), first[1]);
        double[] second = lent(b);
        assertEquals(b.network("student").params().getDouble(0), second[0], "the second context's template (id 0 again)");
        assertEquals(b.network("teacher").params().getDouble(0), second[1], "the second context's teacher");
    }
}
