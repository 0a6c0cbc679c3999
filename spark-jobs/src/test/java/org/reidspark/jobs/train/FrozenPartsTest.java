package org.reidspark.jobs.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@link FrozenParts} across SparkContexts in one JVM: broadcast ids start again at 0 in each context, and a later
 * training must get its own frozen parts, not the instances an earlier training left.
 */
class FrozenPartsTest {
    private static TrainingState frozen(long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed).graphBuilder()
                .addInputs("in").addLayer("d", new DenseLayer.Builder().nIn(3).nOut(2).activation(Activation.IDENTITY)
                        .build(), "in").setOutputs("d").build());
        g.init();
        return new TrainingState(new NetworkSet().put("teacher", g));
    }

    private static double[] borrowedParams(byte[] bytes) {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("frozen-parts")
                .set("spark.ui.enabled", "false"))) {
            Broadcast<byte[]> b = sc.broadcast(bytes);
            TrainingState first = FrozenParts.borrow(b);
            FrozenParts.release(b, first);
            TrainingState again = FrozenParts.borrow(b);
            assertEquals(first, again, "an instance returned is lent again within one training");
            FrozenParts.release(b, again);
            return again.network("teacher").params().toDoubleVector();
        }
    }

    @Test
    void aLaterSparkContextGetsItsOwnFrozenParts() throws Exception {
        TrainingState a = frozen(1);
        TrainingState b = frozen(2);
        double[] pa = a.network("teacher").params().toDoubleVector();
        double[] pb = b.network("teacher").params().toDoubleVector();
        assertNotEquals(pa[0], pb[0], "two different teachers");
        assertEquals(pa[0], borrowedParams(a.toBytes())[0]);
        double[] second = borrowedParams(b.toBytes());
        assertEquals(pb[0], second[0], "the second context's broadcast (id 0 again) lends the second teacher");
    }
}
