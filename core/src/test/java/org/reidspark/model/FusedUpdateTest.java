package org.reidspark.model;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.model.head.BNNeck;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FusedUpdate} against DL4J's own updater on the same network, gradients and iterations: the parameters,
 * the update left in the gradient array and the optimizer state must agree to float rounding, step after step,
 * with L2 on the weights, BatchNorm's no-op running statistics and a learning-rate schedule.
 */
class FusedUpdateTest {
    private static final int[] LABELS = {0, 1, 2, 3, 0, 1, 2, 3};

    private static ComputationGraph network(NetworkOptions options) {
        ModelConfig model = new ModelConfig("resnet18", 0.125, 1, 32, 16, true, "");
        return ReidNetwork.build(model.withImplementation("native"), 4, options, null);
    }

    private static Gradient gradient(ComputationGraph g, INDArray images) {
        Map<String, INDArray> out = ExternalBackprop.forward(g, images);
        LossResult r = new LabelSmoothingCrossEntropy(0.1).compute(out.get(BNNeck.LOGITS), LABELS);
        return ExternalBackprop.backward(g, out, Map.of(BNNeck.LOGITS, r.gradient()));
    }

    /** What {@link ExternalBackprop#update} does with DL4J's updater. */
    private static void dl4jUpdate(ComputationGraph g, Gradient gradient) {
        int iteration = g.getIterationCount();
        int epoch = g.getEpochCount();
        g.getUpdater(true).update(gradient, iteration, epoch, 1, LayerWorkspaceMgr.noWorkspaces());
        g.params().subi(gradient.gradient());
        g.getConfiguration().setIterationCount(iteration + 1);
        g.applyConstraints(iteration + 1, epoch);
    }

    private static INDArray state(ComputationGraph g) {
        return g.getUpdater().getStateViewArray();
    }

    /** Largest absolute difference over the largest absolute value of {@code expected}. */
    private static double relativeDifference(INDArray expected, INDArray actual) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-30);
        return expected.sub(actual).amaxNumber().doubleValue() / scale;
    }

    @Test
    void agreesWithDl4jsUpdaterOverSeveralSteps() {
        // a schedule, so the learning rate the pass reads must follow the iteration
        Adam adam = new Adam(new StepSchedule(ScheduleType.ITERATION, 1e-3, 0.5, 2));
        NetworkOptions options = NetworkOptions.bot(3).withUpdater(adam);
        ComputationGraph fused = network(options);
        ComputationGraph reference = network(options);
        reference.setParams(fused.params());
        Nd4j.getRandom().setSeed(5);
        for (int step = 0; step < 5; step++) {
            INDArray images = Nd4j.randn(DataType.FLOAT, 8, 3, 32, 16);
            Gradient gf = gradient(fused, images);
            Gradient gr = gradient(reference, images);
            assertTrue(relativeDifference(gr.gradient(), gf.gradient()) < 1e-4, "same gradients before the step " + step);
            int iteration = fused.getIterationCount();
            assertNull(FusedUpdate.plan(fused, gf).declined(),
                    "the bot network (Adam, L2, BatchNorm) is covered");
            assertTrue(FusedUpdate.apply(fused, gf, iteration, fused.getEpochCount()));
            fused.getConfiguration().setIterationCount(iteration + 1);
            fused.applyConstraints(iteration + 1, fused.getEpochCount());
            dl4jUpdate(reference, gr);
            assertTrue(relativeDifference(gr.gradient(), gf.gradient()) < 1e-4,
                    "same update at step " + step + ": " + relativeDifference(gr.gradient(), gf.gradient()));
            assertTrue(relativeDifference(state(reference), state(fused)) < 1e-4, "same Adam moments at step " + step);
            assertTrue(relativeDifference(reference.params(), fused.params()) < 1e-5, "same parameters at step " + step);
        }
        // and the parameters did move
        assertTrue(relativeDifference(network(options).params(), fused.params()) > 1e-4);
    }

    /** Each block split among threads: the same parameters, update and moments to the bit however it is split. */
    @Test
    void splittingTheBlocksChangesNothing() {
        ComputationGraph g = network(NetworkOptions.bot(4));
        Nd4j.getRandom().setSeed(6);
        ExternalBackprop.update(g, gradient(g, Nd4j.randn(DataType.FLOAT, 8, 3, 32, 16))); // Adam's moments not zero
        INDArray gradient = Nd4j.randn(DataType.FLOAT, 1, g.numParams()).muli(0.01);
        INDArray[] first = null;
        for (int parts : new int[]{1, 2, 3, 7}) {
            ComputationGraph copy = g.clone();
            assertEquals(state(g), state(copy), "the copy starts from the same moments");
            INDArray update = gradient.dup();
            assertTrue(FusedUpdate.apply(copy, new DefaultGradient(update), g.getIterationCount(), g.getEpochCount(),
                    parts));
            INDArray[] got = {copy.params(), update, state(copy)};
            if (first == null) first = got;
            for (int i = 0; i < got.length; i++) assertEquals(first[i], got[i], "array " + i + " with " + parts + " parts");
        }
        assertTrue(relativeDifference(g.params(), first[0]) > 1e-6, "the parameters moved");
    }

    @Test
    void externalBackpropUpdateTakesThePass() {
        ComputationGraph fused = network(NetworkOptions.bot(4));
        ComputationGraph reference = network(NetworkOptions.bot(4));
        reference.setParams(fused.params());
        INDArray images = Nd4j.randn(DataType.FLOAT, 8, 3, 32, 16);
        Gradient gf = gradient(fused, images);
        Gradient gr = gradient(reference, images);
        assertNull(FusedUpdate.plan(fused, gf).declined());
        ExternalBackprop.update(fused, gf);
        dl4jUpdate(reference, gr);
        assertEquals(1, fused.getIterationCount());
        assertTrue(relativeDifference(reference.params(), fused.params()) < 1e-5);
        assertTrue(relativeDifference(state(reference), state(fused)) < 1e-4);
    }

    @Test
    void leavesOtherConfigurationsToDl4j() {
        ComputationGraph sgd = network(NetworkOptions.bot(1).withUpdater(new Nesterovs(0.01, 0.9)));
        Gradient g = gradient(sgd, Nd4j.randn(DataType.FLOAT, 8, 3, 32, 16));
        INDArray before = sgd.params().dup();
        assertEquals("updater NesterovsUpdater", FusedUpdate.plan(sgd, g).declined());
        assertFalse(FusedUpdate.apply(sgd, g, 0, 0), "Nesterov momentum is DL4J's");
        assertEquals(before, sgd.params(), "nothing changed when the pass declines");

        ComputationGraph dbl = network(NetworkOptions.bot(1).withDataType(DataType.DOUBLE));
        Gradient gd = gradient(dbl, Nd4j.randn(DataType.DOUBLE, 8, 3, 32, 16));
        assertEquals("data type DOUBLE", FusedUpdate.plan(dbl, gd).declined());
        assertFalse(FusedUpdate.apply(dbl, gd, 0, 0), "DOUBLE graphs are DL4J's");
    }
}
