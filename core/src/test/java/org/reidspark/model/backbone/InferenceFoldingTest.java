package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;
import org.reidspark.testing.NumericalGradient;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link InferenceFolding}: the folded copy computes what the trained graph computes in inference (every output, in
 * double to rounding and in float within float rounding), with BatchNorm statistics far from the identity; it folds
 * exactly the {@code conv -> bn (-> relu)} chains it may and leaves the trained graph as it was.
 */
class InferenceFoldingTest {

    /** Running statistics, gamma and beta far from their initial values, so that a wrong fold shows. */
    private static void randomizeBatchNorms(ComputationGraph g, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer l : g.getLayers()) {
            if (!(l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)) continue;
            INDArray mean = l.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            mean.assign(Nd4j.randn(mean.dataType(), mean.shape()));
            INDArray var = l.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            var.assign(Nd4j.rand(var.dataType(), var.shape()).muli(3).addi(0.05));
            INDArray gamma = l.getParam(BatchNormalizationParamInitializer.GAMMA);
            gamma.assign(Nd4j.rand(gamma.dataType(), gamma.shape()).muli(1.5).addi(0.25));
            INDArray beta = l.getParam(BatchNormalizationParamInitializer.BETA);
            beta.assign(Nd4j.randn(beta.dataType(), beta.shape()).muli(0.5));
        }
    }

    private static double maxRelativeError(INDArray expected, INDArray actual) {
        double scale = expected.norm2Number().doubleValue() / Math.sqrt(expected.length());
        return expected.sub(actual).amaxNumber().doubleValue() / Math.max(scale, 1e-30);
    }

    private static void assertSameOutputs(ComputationGraph trained, ComputationGraph folded, INDArray x, double tolerance) {
        INDArray[] expected = trained.output(false, x);
        INDArray[] actual = folded.output(false, x);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Arrays.toString(expected[i].shape()), Arrays.toString(actual[i].shape()));
            double err = maxRelativeError(expected[i], actual[i]);
            assertTrue(err <= tolerance, trained.getConfiguration().getNetworkOutputs().get(i) + ": error " + err + " > " + tolerance);
        }
    }

    @Test
    void resnet18FoldsEveryConvolutionsBatchNormAndTheReluAfterItAndComputesTheSameInDouble() {
        NumericalGradient.useDouble();
        try {
            for (String implementation : Implementations.NAMES) {
                ModelConfig model = new ModelConfig("resnet18", 0.25, 1, 32, 16, true, "").withImplementation(implementation);
                ComputationGraph trained = ReidNetwork.build(model, 7, new NetworkOptions(3, DataType.DOUBLE, new NoOp(), 0), null);
                randomizeBatchNorms(trained, 4);
                INDArray before = trained.params().dup();
                for (boolean channelsLast : new boolean[] {false, true}) {
                    InferenceFolding.Folded folded = InferenceFolding.fold(trained, channelsLast);

                    // 17 convolutions plus 3 downsampling ones, each followed by its BatchNorm; ReLU after the stem's and
                    // after each block's first BatchNorm (the ReLUs after the residual additions stay).
                    assertEquals(20, folded.batchNorms().size(), implementation + ": " + folded.batchNorms());
                    assertEquals(9, folded.relus().size(), implementation + ": " + folded.relus());
                    assertTrue(folded.batchNorms().containsAll(List.of("bn1", "layer1.0.bn2", "layer2.0.downsample.1", "layer4.1.bn1")));
                    assertTrue(folded.relus().containsAll(List.of("relu", "layer3.1.relu1")));
                    assertFalse(folded.relus().contains("layer3.1.relu"), "the ReLU after an addition is not a convolution's");
                    ComputationGraph g = folded.graph();
                    assertNull(g.getVertex("bn1"));
                    assertNull(g.getVertex("relu"));
                    assertTrue(g.getLayer("conv1").conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c
                            && c.hasBias() && c.getActivationFn() instanceof ActivationReLU);
                    assertTrue(g.getLayer("layer1.0.conv2").conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c
                            && c.hasBias() && !(c.getActivationFn() instanceof ActivationReLU), "conv2's BatchNorm feeds the addition");
                    assertEquals(implementation.equals("native") ? NativeConvolutionLayer.class : org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                            g.getLayer("conv1").getClass());
                    if (implementation.equals("native") && channelsLast) {
                        // the backbone runs channels-last between one layout change after the input and one before pooling
                        assertTrue(folded.channelsLast().containsAll(List.of("conv1", "maxpool", "layer1.0.conv1", "layer1.0.add",
                                "layer1.0.relu", "layer4.1.relu")), folded.channelsLast().toString());
                        assertEquals(List.of("input@channels-last", "layer4.1.relu@channels-first"), folded.layoutChanges());
                    } else {
                        assertEquals(List.of(), folded.channelsLast(), "channels-first copies, and DL4J's own layers");
                        assertEquals(List.of(), folded.layoutChanges());
                    }

                    Nd4j.getRandom().setSeed(9);
                    INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 3, 32, 16);
                    assertSameOutputs(trained, g, x, 1e-10);
                    assertEquals(before, trained.params(), "the trained graph is not changed");
                }
            }
        } finally {
            NumericalGradient.restoreTypes();
        }
    }

    @Test
    void channelsLastByDefaultOnlyOnTheCpuBackendWithAvx512UnlessSet() {
        assertTrue(InferenceFolding.channelsLast("auto", true, true));
        assertFalse(InferenceFolding.channelsLast("auto", false, true));
        assertFalse(InferenceFolding.channelsLast("auto", true, false));
        assertTrue(InferenceFolding.channelsLast("true", false, false));
        assertFalse(InferenceFolding.channelsLast("false", true, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceFolding.channelsLast("yes", true, true));
        assertTrue(e.getMessage().contains(InferenceFolding.CHANNELS_LAST_PROPERTY) && e.getMessage().contains("auto, true or false"),
                e.getMessage());
    }

    /** Full width (25 M parameters, what {@code extract} runs for the paper's configuration) on small images. */
    @Test
    void resnet50InFloatGivesTheSameOutputsWithinFloatRounding() {
        ModelConfig model = new ModelConfig("resnet50", 1.0, 1, 64, 32, true, "");
        ComputationGraph trained = ReidNetwork.build(model, 5, NetworkOptions.bot(7), null);
        randomizeBatchNorms(trained, 8);
        Nd4j.getRandom().setSeed(10);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 32).subi(0.5).muli(4);
        for (boolean channelsLast : new boolean[] {false, true}) {
            InferenceFolding.Folded folded = InferenceFolding.fold(trained, channelsLast);
            // 49 convolutions + 4 downsampling ones; the ReLUs after the stem and after each block's bn1 and bn2
            assertEquals(53, folded.batchNorms().size());
            assertEquals(1 + 2 * 16, folded.relus().size());
            assertEquals(channelsLast ? 2 : 0, folded.layoutChanges().size(), folded.layoutChanges().toString());
            assertSameOutputs(trained, folded.graph(), x, 1e-4);
        }
    }

    /**
     * What may not be folded stays: a convolution whose output is also read elsewhere, a BatchNorm that is a graph
     * output, a BatchNorm not after a convolution, a convolution with a non-identity activation.
     */
    @Test
    void onlyChainsThatNothingElseReadsAreFolded() {
        NumericalGradient.useDouble();
        try {
            ComputationGraphConfiguration.GraphBuilder b = ResNet.baseBuilder(new NetworkOptions(2, DataType.DOUBLE, new NoOp(), 0))
                    .addInputs("input").setInputTypes(InputType.convolutional(9, 7, 2));
            b.addLayer("a", Implementations.convolution("native", 3).padding(1, 1).nOut(4).hasBias(true)
                    .activation(Activation.IDENTITY).build(), "input");
            b.addLayer("a.bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "a");
            b.addLayer("a.relu", Implementations.relu("native"), "a.bn");
            b.addLayer("shared", Implementations.convolution("native", 3).padding(1, 1).nOut(4).hasBias(false)
                    .activation(Activation.IDENTITY).build(), "a.relu");
            b.addLayer("shared.bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "shared");
            b.addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "shared.bn", "shared");
            b.addLayer("after-sum.bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "sum");
            b.addLayer("tanh", Implementations.convolution("native", 1).nOut(4).hasBias(false)
                    .activation(Activation.TANH).build(), "after-sum.bn");
            b.addLayer("tanh.bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "tanh");
            b.addLayer("out", Implementations.convolution("native", 1).nOut(3).hasBias(false)
                    .activation(Activation.IDENTITY).build(), "tanh.bn");
            b.addLayer("out.bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "out");
            b.setOutputs("out.bn", "a.relu");
            ComputationGraph trained = new ComputationGraph(b.build());
            trained.init();
            randomizeBatchNorms(trained, 12);

            Nd4j.getRandom().setSeed(13);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 9, 7);
            for (boolean channelsLast : new boolean[] {false, true}) {
                InferenceFolding.Folded folded = InferenceFolding.fold(trained, channelsLast);
                assertEquals(List.of("a.bn"), folded.batchNorms());
                assertEquals(List.of(), folded.relus(), "a.relu is a graph output");
                assertInstanceOf(NativeBatchNormalizationLayer.class, folded.graph().getLayer("shared.bn"));
                if (channelsLast) {
                    // the graph outputs keep their layout (a.relu, an output, is read channels-first and changed back for
                    // shared); the BatchNorm after the addition runs channels-last with it
                    assertEquals(List.of("a", "shared", "shared.bn", "sum", "after-sum.bn", "tanh", "tanh.bn", "out"), folded.channelsLast());
                    assertEquals(List.of("input@channels-last", "a@channels-first", "a.relu@channels-last", "out@channels-first"),
                            folded.layoutChanges());
                }
                assertSameOutputs(trained, folded.graph(), x, 1e-10);
            }
        } finally {
            NumericalGradient.restoreTypes();
        }
    }
}
