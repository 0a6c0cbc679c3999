package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.config.ConfigError;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.head.BNNeck;
import org.reidspark.testing.NumericalGradient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NativeConvolution} and {@link NativeBatchNormalization} against central differences (double precision)
 * and against DL4J's own {@link ConvolutionLayer} and BatchNormalization (same weights: same outputs, gradients,
 * running statistics and training trajectory within float rounding).
 */
class NativeLayersTest {

    /**
     * Convolutions of every kind the backbones use and a few more: 7x7 stride 2 (stem), 3x3 with bias and a
     * non-identity activation, 1x1 stride 2 (downsampling), 3x3 stride 2 in Same mode on an odd size; a BatchNorm
     * (training mode: batch statistics) after the stem.
     */
    private static ComputationGraph convStack(String implementation, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(11, type, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(9, 7, 2));
        g.addLayer("stem", Implementations.convolution(implementation, 7).stride(2, 2).padding(3, 3).nOut(3).hasBias(false)
                .activation(Activation.IDENTITY).build(), "input");
        g.addLayer("bn", Implementations.batchNorm(implementation, ResNet.batchNorm().build()), "stem");
        g.addLayer("biased", Implementations.convolution(implementation, 3).padding(1, 1).nOut(4).hasBias(true)
                .activation(Activation.TANH).build(), "bn");
        g.addLayer("down", Implementations.convolution(implementation, 1).stride(2, 2).nOut(3).hasBias(false)
                .activation(Activation.IDENTITY).build(), "biased");
        g.addLayer("same", Implementations.convolution(implementation, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                .nOut(2).hasBias(true).activation(Activation.IDENTITY).build(), "biased");
        g.setOutputs("down", "same");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** A scalar of both outputs with fixed random weights, so every output element gets a distinct error. */
    private static double loss(ComputationGraph g, INDArray x, INDArray wDown, INDArray wSame) {
        INDArray[] out = g.output(true, x);
        return out[0].mul(wDown).sumNumber().doubleValue() + out[1].mul(wSame).sumNumber().doubleValue();
    }

    /**
     * Every parameter array against central differences (about 30 evenly spaced elements of each; BatchNorm's
     * running statistics are not trained by gradient). The upstream layers' gradients are right only if the
     * downstream layers' errors with respect to their inputs ({@code conv2d_bp}'s first output) are right, so this
     * checks those too: {@code biased}, {@code bn} and {@code stem} sit below {@code down} and {@code same}.
     */
    @Test
    void gradientsMatchCentralDifferencesInDouble() {
        NumericalGradient.useDouble();
        try {
            ComputationGraph g = convStack("native", DataType.DOUBLE);
            assertInstanceOf(NativeConvolutionLayer.class, g.getLayer("stem"));
            assertInstanceOf(NativeBatchNormalizationLayer.class, g.getLayer("bn"));
            Nd4j.getRandom().setSeed(3);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 9, 7);
            Map<String, INDArray> out = ExternalBackprop.forward(g, x);
            assertEquals(List.of(2L, 3L, 3L, 2L), List.of(out.get("down").shape()[0], out.get("down").shape()[1],
                    out.get("down").shape()[2], out.get("down").shape()[3]));
            assertEquals(List.of(2L, 2L, 3L, 2L), List.of(out.get("same").shape()[0], out.get("same").shape()[1],
                    out.get("same").shape()[2], out.get("same").shape()[3]));
            INDArray wDown = Nd4j.randn(DataType.DOUBLE, out.get("down").shape());
            INDArray wSame = Nd4j.randn(DataType.DOUBLE, out.get("same").shape());
            Gradient grad = ExternalBackprop.backward(g, out, Map.of("down", wDown, "same", wSame));
            List<String> failures = new ArrayList<>();
            int arrays = 0;
            for (Layer layer : g.getLayers()) {
                for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                    if (p.getKey().equals("mean") || p.getKey().equals("var")) continue;
                    String key = layer.conf().getLayer().getLayerName() + "_" + p.getKey();
                    INDArray analytic = grad.getGradientFor(key).dup();
                    long step = Math.max(1, p.getValue().length() / 30);
                    NumericalGradient.Report rep = NumericalGradient.check(v -> loss(g, x, wDown, wSame), p.getValue(),
                            analytic, step / 2, step);
                    arrays++;
                    if (!rep.passed()) failures.add(key + ": " + rep);
                }
            }
            assertEquals(8, arrays, "stem_W, bn_gamma, bn_beta, biased_W, biased_b, down_W, same_W, same_b");
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        } finally {
            NumericalGradient.restoreTypes();
        }
    }

    @Test
    void sameOutputsGradientsAndRunningStatisticsAsDl4jLayersInFloat() {
        ComputationGraph dl4j = convStack("dl4j", DataType.FLOAT);
        ComputationGraph nat = convStack("native", DataType.FLOAT);
        assertEquals(dl4j.params(), nat.params(), "same seed, same initialization");
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 2, 9, 7);
        Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
        Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
        for (String o : a.keySet()) assertClose(a.get(o), b.get(o), 1e-5, "output " + o);
        INDArray e1 = Nd4j.randn(DataType.FLOAT, a.get("down").shape());
        INDArray e2 = Nd4j.randn(DataType.FLOAT, a.get("same").shape());
        INDArray ga = ExternalBackprop.backward(dl4j, a, Map.of("down", e1, "same", e2)).gradient().dup();
        INDArray gb = ExternalBackprop.backward(nat, b, Map.of("down", e1, "same", e2)).gradient().dup();
        assertClose(ga, gb, 1e-4, "parameter gradients (running statistics' steps included)");
        assertTrue(ga.norm2Number().doubleValue() > 0);
        // inference on the running statistics
        dl4j.getLayer("bn").setParam("mean", Nd4j.rand(DataType.FLOAT, dl4j.getLayer("bn").getParam("mean").shape()));
        dl4j.getLayer("bn").setParam("var", Nd4j.rand(DataType.FLOAT, dl4j.getLayer("bn").getParam("var").shape()).addi(0.5));
        nat.setParams(dl4j.params());
        INDArray[] ia = dl4j.output(false, x);
        INDArray[] ib = nat.output(false, x);
        for (int i = 0; i < ia.length; i++) assertClose(ia[i], ib[i], 1e-5, "inference output " + i);
    }

    /**
     * The networks the methods train: a small ResNet-50 (bottlenecks, downsampling, BNNeck head) trained 2 SGD steps
     * through the native path follows the same trajectory as through DL4J's layers (running BatchNorm statistics
     * included: they are parameters too), in double precision, within the relative tolerance of the project's
     * gradient checks ({@link NumericalGradient#MAX_REL_ERROR}). For scale: one pass of the two agrees to ~1e-13 in
     * the outputs and ~1e-7 in the gradients (libnd4j's {@code batchnorm_bp} computes dL/dInput to ~1e-7 relative
     * in double, DL4J's layer to ~1e-10, both against central differences), while a wrong gradient gives
     * differences of 1e-2 and more. Plain SGD with a small rate: Adam divides by the root of the squared gradient,
     * which turns rounding in near-zero gradients into full-size steps of either sign, and large steps on an
     * untrained network amplify any difference. Float is not compared step by step:
     * rounding differences of ~1e-7 grow to ~1e-4 through 50 layers of BatchNorm over few channels.
     */
    @Test
    void trainingThroughEitherPathFollowsTheSameTrajectoryInDouble() {
        NumericalGradient.useDouble();
        try {
            ModelConfig model = new ModelConfig("resnet50", 1.0 / 16, 1, 32, 16, true, "");
            NetworkOptions options = new NetworkOptions(5, DataType.DOUBLE, new Sgd(0.01), 5e-4);
            ComputationGraph dl4j = ReidNetwork.build(model.withImplementation("dl4j"), 4, options, null);
            ComputationGraph nat = ReidNetwork.build(model.withImplementation("native"), 4, options, null);
            assertInstanceOf(NativeConvolutionLayer.class, nat.getLayer("layer2.0.downsample.0"));
            assertInstanceOf(NativeBatchNormalizationLayer.class, nat.getLayer("layer2.0.downsample.1"));
            assertEquals(ConvolutionLayer.class, dl4j.getLayer("layer2.0.downsample.0").conf().getLayer().getClass());
            INDArray start = dl4j.params().dup();
            assertEquals(start, nat.params());
            Nd4j.getRandom().setSeed(6);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 3, 32, 16);
            int[] labels = {0, 1, 2, 3, 0, 1};
            LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
            ExternalBackprop.ExternalLoss loss = outputs -> {
                LossResult r = ce.compute(outputs.get(BNNeck.LOGITS), labels);
                return new ExternalBackprop.Errors(r.value(), Map.of(BNNeck.LOGITS, r.gradient()));
            };
            for (int i = 0; i < 2; i++) {
                double la = ExternalBackprop.step(dl4j, new INDArray[]{x}, loss);
                double lb = ExternalBackprop.step(nat, new INDArray[]{x}, loss);
                assertEquals(la, lb, NumericalGradient.MAX_REL_ERROR * Math.abs(la), "loss at step " + i);
            }
            double moved = dl4j.params().sub(start).norm2Number().doubleValue();
            assertTrue(moved > 1e-3, "training moved the weights: " + moved);
            assertTrue(dl4j.params().sub(nat.params()).norm2Number().doubleValue() <= NumericalGradient.MAX_REL_ERROR * moved, "weights after 2 steps");
            assertClose(ReidNetwork.embed(dl4j, x), ReidNetwork.embed(nat, x), NumericalGradient.MAX_REL_ERROR, "embeddings");
        } finally {
            NumericalGradient.restoreTypes();
        }
    }

    /** Inference in float, the path embedding jobs run: the same embeddings within float rounding. */
    @Test
    void inferenceInFloatGivesTheSameEmbeddings() {
        ModelConfig model = new ModelConfig("resnet50", 1.0 / 8, 1, 64, 32, true, "");
        NetworkOptions options = NetworkOptions.bot(7);
        ComputationGraph dl4j = ReidNetwork.build(model.withImplementation("dl4j"), 5, options, null);
        ComputationGraph nat = ReidNetwork.build(model.withImplementation("native"), 5, options, null);
        assertEquals(dl4j.params(), nat.params());
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 32);
        assertClose(ReidNetwork.embed(dl4j, x), ReidNetwork.embed(nat, x), 1e-4, "embeddings");
    }

    @Test
    void savedAndRestoredNetworkKeepsTheNativeLayerAndItsOutputs() throws Exception {
        ComputationGraph g = convStack("native", DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 9, 7);
        INDArray[] before = g.output(false, x);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(NativeConvolution.class, restored.getLayer("same").conf().getLayer());
        assertInstanceOf(NativeConvolutionLayer.class, restored.getLayer("same"));
        assertInstanceOf(NativeBatchNormalization.class, restored.getLayer("bn").conf().getLayer());
        ComputationGraph pool = poolAlone("native", ConvolutionMode.Truncate, DataType.FLOAT);
        ByteArrayOutputStream poolBytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(pool, poolBytes, true);
        ComputationGraph poolRestored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(poolBytes.toByteArray()), true);
        assertInstanceOf(NativeSubsamplingLayer.class, poolRestored.getLayer("pool"));
        assertEquals(pool.getLayer("pool").conf().getLayer(),
                poolRestored.getLayer("pool").conf().getLayer(), "same configuration after a save and restore");
        assertEquals(ResNet.BN_EPS, ((NativeBatchNormalization) restored.getLayer("bn").conf().getLayer()).getEps());
        INDArray[] after = restored.output(false, x);
        for (int i = 0; i < before.length; i++) assertEquals(before[i], after[i]);
    }

    /** A graph of one layer, {@code name}, on convolutional input of the given size and layout, weights seeded. */
    private static ComputationGraph alone(String name, org.deeplearning4j.nn.conf.layers.Layer layer, InputType input, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(5, type, new NoOp(), 0))
                .addInputs("input").setInputTypes(input);
        g.addLayer(name, layer, "input");
        g.setOutputs(name);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** One BatchNorm on {@code [B, C, H, W]} or {@code [B, H, W, C]} input, 5 channels. */
    private static ComputationGraph batchNormAlone(String implementation, CNN2DFormat format) {
        return alone("bn", Implementations.batchNorm(implementation, ResNet.batchNorm().build()),
                InputType.convolutional(4, 3, 5, format), DataType.DOUBLE);
    }

    /**
     * The native BatchNorm's backward pass (written as ND4J operations on a {@code [outer, C, inner]} view) in both
     * layouts, in double, against DL4J's layer: the error passed to the input, gamma's and beta's gradients, and the
     * running statistics' steps. Gamma and beta are set away from 1 and 0 and the input has a channel mean far from 0,
     * where a formula that subtracts large sums would lose digits.
     */
    @Test
    void batchNormBackwardMatchesDl4jInBothLayoutsInDouble() {
        NumericalGradient.useDouble();
        try {
            for (CNN2DFormat format : CNN2DFormat.values()) {
                ComputationGraph dl4j = batchNormAlone("dl4j", format);
                ComputationGraph nat = batchNormAlone("native", format);
                Nd4j.getRandom().setSeed(6);
                dl4j.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.DOUBLE, 1, 5).addi(0.5));
                dl4j.getLayer("bn").setParam("beta", Nd4j.randn(DataType.DOUBLE, 1, 5));
                nat.setParams(dl4j.params());
                long[] shape = format == CNN2DFormat.NCHW ? new long[]{3, 5, 4, 3} : new long[]{3, 4, 3, 5};
                INDArray x = Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(30);
                INDArray dy = Nd4j.randn(DataType.DOUBLE, shape);
                Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
                Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
                assertClose(a.get("bn"), b.get("bn"), 1e-10, format + " output");
                ExternalBackprop.Backward ba = ExternalBackprop.backwardToInputs(dl4j, a, Map.of("bn", dy));
                ExternalBackprop.Backward bb = ExternalBackprop.backwardToInputs(nat, b, Map.of("bn", dy));
                assertClose(ba.inputGradients().get("input"), bb.inputGradients().get("input"), 1e-8, format + " error to the input");
                for (String key : List.of("bn_gamma", "bn_beta", "bn_mean", "bn_var")) {
                    assertClose(ba.gradient().getGradientFor(key), bb.gradient().getGradientFor(key), 1e-8, format + " " + key);
                }
                assertTrue(bb.inputGradients().get("input").norm2Number().doubleValue() > 1e-3);
            }
        } finally {
            NumericalGradient.restoreTypes();
        }
    }

    /**
     * In float, NCHW, the training pass takes {@link BatchNormKernels}' loops, which read the layer's arrays as they
     * are; an error arriving in another layout ('f' order: not C-contiguous) must give the same results (the layer
     * copies it to C order for the loops): the same bits as the C-order error for the error to the input and every
     * gradient, and close to DL4J's layer. The layers are called directly, so the error reaches them as given.
     */
    @Test
    void batchNormLoopsTakeAnErrorInAnyLayoutInFloat() {
        ComputationGraph dl4j = alone("bn", Implementations.batchNorm("dl4j", ResNet.batchNorm().build()),
                InputType.convolutional(4, 3, 5, CNN2DFormat.NCHW), DataType.FLOAT);
        ComputationGraph nat = alone("bn", Implementations.batchNorm("native", ResNet.batchNorm().build()),
                InputType.convolutional(4, 3, 5, CNN2DFormat.NCHW), DataType.FLOAT);
        Nd4j.getRandom().setSeed(8);
        dl4j.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.FLOAT, 1, 5).addi(0.5));
        dl4j.getLayer("bn").setParam("beta", Nd4j.randn(DataType.FLOAT, 1, 5));
        nat.setParams(dl4j.params());
        dl4j.initGradientsView();
        nat.initGradientsView();
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 3).muli(2).addi(3);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 3);
        INDArray dyF = dy.dup('f');
        assertTrue(BatchNormKernels.applies(x) && !org.reidspark.model.FloatMemory.contiguous(dyF));
        // the layers called directly, so that the error reaches the layer in the layout given
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        org.deeplearning4j.nn.api.Layer reference = dl4j.getLayer("bn");
        reference.setInput(x, mgr);
        INDArray expectedOut = reference.activate(true, mgr).dup();
        org.nd4j.common.primitives.Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> expected =
                reference.backpropGradient(dy, mgr);
        org.deeplearning4j.nn.api.Layer layer = nat.getLayer("bn");
        List<org.nd4j.common.primitives.Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray>> got = new java.util.ArrayList<>();
        for (INDArray error : List.of(dy, dyF)) {
            layer.setInput(x, mgr);
            assertClose(expectedOut, layer.activate(true, mgr), 1e-5, "output");
            var pair = layer.backpropGradient(error, mgr);
            Map<String, INDArray> grads = new java.util.HashMap<>();
            pair.getFirst().gradientForVariable().forEach((k, v) -> grads.put(k, v.dup()));
            org.deeplearning4j.nn.gradient.Gradient copy = new org.deeplearning4j.nn.gradient.DefaultGradient();
            grads.forEach(copy::setGradientFor);
            got.add(new org.nd4j.common.primitives.Pair<>(copy, pair.getSecond().dup()));
        }
        assertEquals(got.get(0).getSecond(), got.get(1).getSecond(), "error to the input");
        assertClose(expected.getSecond(), got.get(1).getSecond(), 1e-4, "error to the input against DL4J");
        for (String key : List.of("gamma", "beta", "mean", "var")) {
            assertEquals(got.get(0).getFirst().getGradientFor(key), got.get(1).getFirst().getGradientFor(key), key);
            assertClose(expected.getFirst().getGradientFor(key), got.get(1).getFirst().getGradientFor(key), 1e-4,
                    key + " against DL4J");
        }
    }

    /** Max pooling alone: 3x3 stride 2 with padding 1 (ResNet's stem) in Truncate mode, or 3x3 stride 2 in Same mode. */
    private static ComputationGraph poolAlone(String implementation, ConvolutionMode mode, DataType type) {
        SubsamplingLayer.Builder pool = new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(mode);
        if (mode == ConvolutionMode.Truncate) pool.padding(1, 1);
        return alone("pool", Implementations.pooling(implementation, pool.build()), InputType.convolutional(9, 7, 3), type);
    }

    /**
     * The native max pooling's error to its input against central differences in double (the input as the variable;
     * random inputs have no ties, so the maximum stays put under the small perturbation), and against DL4J's layer in
     * float: outputs in training and inference mode, and the error to the input.
     */
    @Test
    void maxPoolingMatchesCentralDifferencesAndDl4j() {
        for (ConvolutionMode mode : List.of(ConvolutionMode.Truncate, ConvolutionMode.Same)) {
            NumericalGradient.useDouble();
            try {
                ComputationGraph g = poolAlone("native", mode, DataType.DOUBLE);
                assertInstanceOf(NativeSubsamplingLayer.class, g.getLayer("pool"));
                Nd4j.getRandom().setSeed(8);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 9, 7);
                Map<String, INDArray> out = ExternalBackprop.forward(g, x);
                assertEquals(List.of(2L, 3L, 5L, 4L), List.of(out.get("pool").shape()[0], out.get("pool").shape()[1],
                        out.get("pool").shape()[2], out.get("pool").shape()[3]), mode + " output shape");
                INDArray w = Nd4j.randn(DataType.DOUBLE, out.get("pool").shape());
                INDArray dx = ExternalBackprop.backwardToInputs(g, out, Map.of("pool", w)).inputGradients().get("input");
                NumericalGradient.Report rep = NumericalGradient.check(v -> g.output(true, v)[0].mul(w).sumNumber().doubleValue(), x, dx);
                assertTrue(rep.passed(), mode + ": " + rep);
                assertTrue(dx.norm2Number().doubleValue() > 0.1);
            } finally {
                NumericalGradient.restoreTypes();
            }
            ComputationGraph dl4j = poolAlone("dl4j", mode, DataType.FLOAT);
            ComputationGraph nat = poolAlone("native", mode, DataType.FLOAT);
            INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 9, 7);
            Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
            Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
            assertEquals(a.get("pool"), b.get("pool"), mode + " training-mode output");
            INDArray e = Nd4j.randn(DataType.FLOAT, a.get("pool").shape());
            assertEquals(ExternalBackprop.backwardToInputs(dl4j, a, Map.of("pool", e)).inputGradients().get("input"),
                    ExternalBackprop.backwardToInputs(nat, b, Map.of("pool", e)).inputGradients().get("input"), mode + " error to the input");
            assertEquals(dl4j.output(false, x)[0], nat.output(false, x)[0], mode + " inference output");
        }
    }

    private static ComputationGraph reluAlone(String implementation, DataType type) {
        return alone("relu", Implementations.relu(implementation), InputType.convolutional(4, 3, 2), type);
    }

    /**
     * ResNet's ReLUs run in place: after a BatchNorm in training, the ReLU overwrites the BatchNorm's output array,
     * and the graph's outputs and gradients are DL4J's (whose layer copies) to the bit; in inference
     * (DL4J's workspaces) it writes a new array. The setting survives a save and restore, and a configuration saved
     * before it existed reads as not in place.
     */
    @Test
    void reluInPlaceOverwritesOnlyWhereNothingElseReadsItsInput() throws Exception {
        ComputationGraph[] graphs = new ComputationGraph[2];
        for (int i = 0; i < 2; i++) {
            String implementation = i == 0 ? "dl4j" : "native";
            ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(5, DataType.FLOAT, new NoOp(), 0))
                    .addInputs("input").setInputTypes(InputType.convolutional(4, 3, 2));
            g.addLayer("bn", Implementations.batchNorm(implementation, ResNet.batchNorm().build()), "input");
            g.addLayer("relu", Implementations.relu(implementation, true), "bn");
            g.setOutputs("relu");
            graphs[i] = new ComputationGraph(g.build());
            graphs[i].init();
        }
        assertTrue(((NativeRelu) graphs[1].getLayer("relu").conf().getLayer()).isInPlace());
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 4, 3);
        Map<String, INDArray> a = ExternalBackprop.forward(graphs[0], x);
        Map<String, INDArray> b = ExternalBackprop.forward(graphs[1], x);
        // the array the BatchNorm wrote, which the ReLU layer keeps as its input: overwritten in place, kept by DL4J's
        assertTrue(graphs[1].getLayer("relu").input().minNumber().doubleValue() >= 0, "in place: no negative left");
        assertTrue(graphs[0].getLayer("relu").input().minNumber().doubleValue() < 0);
        assertEquals(a.get("relu"), b.get("relu"));
        INDArray e = Nd4j.randn(DataType.FLOAT, x.shape());
        ExternalBackprop.Backward ba = ExternalBackprop.backwardToInputs(graphs[0], a, Map.of("relu", e));
        ExternalBackprop.Backward bb = ExternalBackprop.backwardToInputs(graphs[1], b, Map.of("relu", e));
        assertEquals(ba.inputGradients().get("input"), bb.inputGradients().get("input"));
        assertEquals(ba.gradient().gradient(), bb.gradient().gradient());
        assertEquals(graphs[0].output(false, x)[0], graphs[1].output(false, x)[0], "inference, in DL4J's workspaces");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graphs[1], bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(((NativeRelu) restored.getLayer("relu").conf().getLayer()).isInPlace());
        String json = graphs[1].getConfiguration().toJson();
        assertTrue(json.contains("\"inPlace\" : true"), "the setting is saved");
        ComputationGraph before = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                json.replace("\"inPlace\" : true,", "").replace(",\n    \"inPlace\" : true", "")));
        before.init();
        assertFalse(before.getConfiguration().toJson().contains("\"inPlace\" : true"));
        assertFalse(((NativeRelu) before.getLayer("relu").conf().getLayer()).isInPlace(), "saved before the setting: a copy");
    }

    /** input -> BatchNorm -> residual sum (BatchNorm output + input) -> ReLU, as a ResNet block's end. */
    private static ComputationGraph residualEnd(String implementation, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(6, type, new NoOp(), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(4, 3, 2));
        g.addLayer("bn", Implementations.batchNorm(implementation, ResNet.batchNorm().build()), "input");
        g.addVertex("add", Implementations.addIntoFirst(implementation), "bn", "input");
        g.addLayer("relu", Implementations.relu(implementation, true), "add");
        g.setOutputs("relu");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /**
     * The native residual sum: in training it adds into the BatchNorm's output array (which nothing else reads) and
     * gives DL4J's {@code ElementWiseVertex} outputs and gradients to the bit; in inference (DL4J's workspaces) it
     * writes a new array; its gradients match central differences in double (the input reaches the sum twice); the
     * setting survives a save and restore.
     */
    @Test
    void residualSumInPlaceMatchesDl4jAndCentralDifferences() throws Exception {
        ComputationGraph dl4j = residualEnd("dl4j", DataType.FLOAT);
        ComputationGraph nat = residualEnd("native", DataType.FLOAT);
        assertTrue(((NativeAdd) nat.getConfiguration().getVertices().get("add")).isInPlace());
        Nd4j.getRandom().setSeed(13);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 4, 3);
        Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
        Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
        INDArray[] sumInputs = nat.getVertex("add").getInputs();
        assertTrue(sumInputs[0] == nat.getLayer("relu").input(), "in place: the sum is the BatchNorm's output array");
        assertFalse(dl4j.getVertex("add").getInputs()[0] == dl4j.getLayer("relu").input());
        assertEquals(a.get("relu"), b.get("relu"));
        INDArray e = Nd4j.randn(DataType.FLOAT, x.shape());
        ExternalBackprop.Backward ba = ExternalBackprop.backwardToInputs(dl4j, a, Map.of("relu", e));
        ExternalBackprop.Backward bb = ExternalBackprop.backwardToInputs(nat, b, Map.of("relu", e));
        assertEquals(ba.inputGradients().get("input"), bb.inputGradients().get("input"));
        assertEquals(ba.gradient().gradient(), bb.gradient().gradient());
        INDArray before = x.dup();
        assertEquals(dl4j.output(false, x)[0], nat.output(false, x)[0], "inference, in DL4J's workspaces");
        assertEquals(before, x, "the input is never written");

        NumericalGradient.useDouble();
        try {
            ComputationGraph g = residualEnd("native", DataType.DOUBLE);
            INDArray xd = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 3);
            Map<String, INDArray> out = ExternalBackprop.forward(g, xd);
            INDArray w = Nd4j.randn(DataType.DOUBLE, out.get("relu").shape());
            ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("relu", w));
            NumericalGradient.Report rep = NumericalGradient.check(
                    v -> g.output(true, v)[0].mul(w).sumNumber().doubleValue(), xd, back.inputGradients().get("input"));
            assertTrue(rep.passed(), "input: " + rep);
            for (String param : List.of("gamma", "beta")) {
                INDArray analytic = back.gradient().getGradientFor("bn_" + param).dup();
                NumericalGradient.Report r = NumericalGradient.check(
                        v -> g.output(true, xd)[0].mul(w).sumNumber().doubleValue(), g.getLayer("bn").getParam(param), analytic);
                assertTrue(r.passed(), param + ": " + r);
            }
        } finally {
            NumericalGradient.restoreTypes();
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(nat, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(((NativeAdd) restored.getConfiguration().getVertices().get("add")).isInPlace());
        assertEquals(nat.output(false, x)[0], restored.output(false, x)[0]);
    }

    /**
     * The native ReLU against central differences in double (inputs kept away from 0, where ReLU has no derivative)
     * and against DL4J's ReLU layer in float on inputs with exact zeros (both take 0 as the derivative there):
     * identical outputs and errors.
     */
    @Test
    void reluMatchesCentralDifferencesAndDl4j() {
        NumericalGradient.useDouble();
        try {
            ComputationGraph g = reluAlone("native", DataType.DOUBLE);
            assertInstanceOf(NativeReluLayer.class, g.getLayer("relu"));
            Nd4j.getRandom().setSeed(9);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 3);
            INDArray away = Nd4j.rand(DataType.DOUBLE, x.shape()).addi(0.01).muli(Transforms.sign(x));
            Map<String, INDArray> out = ExternalBackprop.forward(g, away);
            assertEquals(Transforms.relu(away, true), out.get("relu"));
            INDArray w = Nd4j.randn(DataType.DOUBLE, out.get("relu").shape());
            INDArray dx = ExternalBackprop.backwardToInputs(g, out, Map.of("relu", w)).inputGradients().get("input");
            NumericalGradient.Report rep = NumericalGradient.check(v -> g.output(true, v)[0].mul(w).sumNumber().doubleValue(), away, dx);
            assertTrue(rep.passed(), rep.toString());
        } finally {
            NumericalGradient.restoreTypes();
        }
        ComputationGraph dl4j = reluAlone("dl4j", DataType.FLOAT);
        ComputationGraph nat = reluAlone("native", DataType.FLOAT);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 4, 3);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(0);
        Map<String, INDArray> a = ExternalBackprop.forward(dl4j, x);
        Map<String, INDArray> b = ExternalBackprop.forward(nat, x);
        assertEquals(a.get("relu"), b.get("relu"));
        INDArray e = Nd4j.randn(DataType.FLOAT, x.shape());
        assertEquals(ExternalBackprop.backwardToInputs(dl4j, a, Map.of("relu", e)).inputGradients().get("input"),
                ExternalBackprop.backwardToInputs(nat, b, Map.of("relu", e)).inputGradients().get("input"));
        assertEquals(dl4j.output(false, x)[0], nat.output(false, x)[0]);
    }

    @Test
    void wrongInputChannelsAndUnknownNamesFailClearly() {
        ComputationGraph g = convStack("native", DataType.FLOAT);
        Exception e = assertThrows(Exception.class, () -> g.output(false, Nd4j.rand(DataType.FLOAT, 2, 3, 9, 7)));
        String message = e.getMessage() + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(message.contains("input channels") || message.contains("channels"), message);
        ConfigError unknown = assertThrows(ConfigError.class, () -> Implementations.convolution("cudnn", 3));
        assertTrue(unknown.getMessage().contains("cudnn") && unknown.getMessage().contains("native, dl4j"), unknown.getMessage());
        ConfigError bad = assertThrows(ConfigError.class, () -> new ModelConfig("resnet18", 1, 1, 32, 16, true, "", "fast"));
        assertTrue(bad.getMessage().contains("reid.model.implementation"), bad.getMessage());
    }

    private static void assertClose(INDArray expected, INDArray actual, double relTol, String what) {
        double scale = Math.max(1e-6, expected.norm2Number().doubleValue());
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(diff <= relTol * scale, what + ": |difference| " + diff + " vs |expected| " + scale);
    }
}
