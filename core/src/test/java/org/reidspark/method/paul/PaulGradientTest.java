package org.reidspark.method.paul;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.method.TrainingData;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.testing.NumericalGradient;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Double-precision gradient check of the whole unsupervised PAUL loss (https://arxiv.org/abs/1904.01308:
 * {@code ipfl.weight * IPFL + pedal.weight * PEDAL} through the embeddings, the per-patch normalizations, the patch
 * branches, the bilinear samplers, the patch generation network and the ResNet) against central differences, the
 * bank and the centers held constant as in the step (they are updated with detached features before the losses).
 * The embedding weights are left out: the unsupervised stage does not train them (the step passes them no error).
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class PaulGradientTest {
    @Test
    void theUnsupervisedLossGradientMatchesCentralDifferences() {
        // 48x48 input (a 3x3 map) to keep the check short; top 1 so that cyclic ranking finds negatives and IPFL's
        // negative term is checked too
        PaulConfig config = PaulConfig.from(PaulContractTest.tiny()
                .withValue("reid.input.height", com.typesafe.config.ConfigValueFactory.fromAnyRef(48))
                .withValue("reid.paul.ipfl.top", com.typesafe.config.ConfigValueFactory.fromAnyRef(1)));
        PaulMethod method = new PaulMethod(config);
        ComputationGraph graph = method.initialize(new TrainingData(2, 1, new long[] {0, 1, 2}), 7, null, DataType.DOUBLE)
                .network(PaulMethod.NETWORK);
        // theta's regression away from zero, so the patch generation network's own layers get a gradient too
        INDArray thetaW = graph.getLayer("pgn.theta").getParam("W");
        thetaW.assign(Nd4j.rand(DataType.DOUBLE, thetaW.shape()).subi(0.5).muli(0.2));
        int b = 3;
        int m = config.patches();
        Nd4j.getRandom().setSeed(11);
        INDArray images = Nd4j.randn(DataType.DOUBLE, b, 3, 48, 48);
        INDArray surrogates = images.add(Nd4j.randn(DataType.DOUBLE, b, 3, 48, 48).muli(0.3));
        PaulUnsupervisedStep.Unlabeled batch = new PaulUnsupervisedStep.Unlabeled(images, surrogates, new long[] {0, 1, 2});
        int n = 7;
        INDArray bank = Nd4j.randn(DataType.DOUBLE, m, n, config.patchDim());
        for (int p = 0; p < m; p++) {
            INDArray slice = bank.get(org.nd4j.linalg.indexing.NDArrayIndex.point(p), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            slice.assign(PatchFeatures.unit(slice.dup()));
        }
        int[] rows = {0, 3, 5};
        INDArray centers = Nd4j.randn(DataType.DOUBLE, b, (long) m * config.embeddingDim()).muli(0.3);

        PaulUnsupervisedStep.Forward f = PaulUnsupervisedStep.forward(config, graph, batch, true);
        PaulUnsupervisedStep.Losses l = PaulUnsupervisedStep.losses(config, f, bank, rows, centers);
        assertTrue(l.pedal() > 0 && l.ipfl() > 0, "both terms active: " + l);
        assertEquals(1.0, l.negatives(), "every anchor has a negative");
        Gradient g = ExternalBackprop.backward(graph, f.out(), l.epsilons());
        java.util.function.ToDoubleFunction<INDArray> loss = x -> PaulUnsupervisedStep.losses(config,
                PaulUnsupervisedStep.forward(config, graph, batch, false), bank, rows, centers).total();
        assertEquals(l.total(), loss.applyAsDouble(null), 1e-12, "the loss without keeping inputs is the same");

        List<String[]> params = List.of(new String[] {"conv1", "W"}, new String[] {"layer4.1.conv2", "W"},
                new String[] {"pgn.conv", "W"}, new String[] {"pgn.bn", "gamma"}, new String[] {"pgn.fc1", "W"},
                new String[] {"pgn.theta", "W"}, new String[] {"pgn.theta", "b"}, new String[] {"patch0.down", "W"},
                new String[] {"patch5.down", "b"}, new String[] {"patch2.bn", "gamma"});
        for (String[] p : params) {
            INDArray x = graph.getLayer(p[0]).getParam(p[1]);
            INDArray analytic = g.getGradientFor(p[0] + "_" + p[1]).dup();
            assertTrue(analytic.norm2Number().doubleValue() > 0, p[0] + "_" + p[1] + " gets a gradient");
            long step = Math.max(1, x.length() / 4);
            NumericalGradient.Report r = NumericalGradient.check(loss, x, analytic, 0, step);
            assertTrue(r.passed(), p[0] + "_" + p[1] + ": " + r);
        }
        ExternalBackprop.clear(graph);
    }
}
