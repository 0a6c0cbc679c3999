package org.reidspark.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.reidspark.model.backbone.Implementations;
import org.reidspark.model.backbone.NativeAdd;
import org.reidspark.model.backbone.ResNet;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StepOutputs}: the outputs the native layers allocate in {@link ExternalBackprop#forward} are freed once the
 * step no longer needs them (the graph's update, its next forward pass, a clear), not before its backward pass, and
 * passes outside {@link ExternalBackprop#forward} are never touched. Training results through the freed path are
 * checked elsewhere (NativeLayersTest's double-precision trajectory against DL4J's layers runs through it).
 */
class StepOutputsTest {

    /** conv -> BatchNorm -> ReLU (a copy, not in place) -> max pooling -> a dense layer, the first four native. */
    private static ComputationGraph graph() {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(3, DataType.FLOAT, new Sgd(0.01), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(8, 6, 3));
        g.addLayer("conv", Implementations.convolution("native", 3).padding(1, 1).nOut(4).hasBias(false).build(), "input");
        g.addLayer("bn", Implementations.batchNorm("native", ResNet.batchNorm().build()), "conv");
        g.addLayer("relu", Implementations.relu("native"), "bn");
        g.addLayer("pool", Implementations.pooling("native", new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build()), "relu");
        g.addLayer("out", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                .nOut(2).activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "pool");
        g.setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** The arrays the layers after conv, bn, relu and pool read: those four layers' outputs. */
    private static INDArray[] kept(ComputationGraph g) {
        return new INDArray[]{g.getLayer("bn").input(), g.getLayer("relu").input(), g.getLayer("pool").input(),
                g.getLayer("out").input()};
    }

    private static void assertAllClosed(INDArray[] arrays, boolean closed, String when) {
        for (int i = 0; i < arrays.length; i++) assertEquals(closed, arrays[i].wasClosed(), "output " + i + " " + when);
    }

    @Test
    void outputsAreFreedAfterTheUpdateNotBeforeTheBackwardPass() {
        ComputationGraph g = graph();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 8, 6);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        INDArray[] first = kept(g);
        assertAllClosed(first, false, "after the forward pass");
        org.deeplearning4j.nn.gradient.Gradient gradient = ExternalBackprop.backward(g, out,
                Map.of("out", Nd4j.ones(DataType.FLOAT, out.get("out").shape())));
        assertAllClosed(first, false, "after the backward pass, before the update");
        assertTrue(gradient.gradient().norm2Number().doubleValue() > 0);
        ExternalBackprop.update(g, gradient);
        assertAllClosed(first, true, "after the update");
        assertFalse(out.get("out").wasClosed(), "what forward returned is a copy, still readable");
        out.get("out").sumNumber();

        // a forward pass without an update: freed when the next one starts, or when the graph is cleared
        Map<String, INDArray> again = ExternalBackprop.forward(g, x);
        INDArray[] second = kept(g);
        ExternalBackprop.forward(g, x);
        assertAllClosed(second, true, "after the next forward pass");
        assertEquals(again.get("out"), ExternalBackprop.forward(g, x).get("out"), "the same network, the same output");
        INDArray[] third = kept(g);
        ExternalBackprop.clear(g);
        assertAllClosed(third, true, "after a clear");

        // a step still trains after all that: the loss falls
        double before = ExternalBackprop.step(g, new INDArray[]{x}, o -> new ExternalBackprop.Errors(
                o.get("out").sumNumber().doubleValue(), Map.of("out", Nd4j.ones(DataType.FLOAT, o.get("out").shape()))));
        double after = ExternalBackprop.step(g, new INDArray[]{x}, o -> new ExternalBackprop.Errors(
                o.get("out").sumNumber().doubleValue(), Map.of("out", Nd4j.ones(DataType.FLOAT, o.get("out").shape()))));
        assertTrue(after < before, before + " then " + after);
    }

    /** A residual sum that does not add in place: its output is freed after the update too. */
    @Test
    void aSumsOutputIsFreedAfterTheUpdate() {
        ComputationGraphConfiguration.GraphBuilder b = ResNet.baseBuilder(new NetworkOptions(4, DataType.FLOAT, new Sgd(0.01), 0))
                .addInputs("input").setInputTypes(InputType.convolutional(8, 6, 3));
        b.addLayer("conv", Implementations.convolution("native", 3).padding(1, 1).nOut(3).hasBias(false).build(), "input");
        b.addVertex("add", new NativeAdd(), "conv", "input");
        b.addLayer("relu", Implementations.relu("native"), "add");
        b.setOutputs("relu");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 8, 6);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        INDArray sum = g.getLayer("relu").input();
        assertFalse(sum == g.getVertex("add").getInputs()[0], "a new array, not the convolution's output");
        org.deeplearning4j.nn.gradient.Gradient gradient = ExternalBackprop.backward(g, out,
                Map.of("relu", Nd4j.ones(DataType.FLOAT, out.get("relu").shape())));
        assertFalse(sum.wasClosed(), "kept until the update");
        ExternalBackprop.update(g, gradient);
        assertTrue(sum.wasClosed(), "freed by the update");
        assertFalse(x.wasClosed(), "the input is not the vertex's to free");
    }

    @Test
    void passesOutsideExternalBackpropAreLeftAlone() {
        ComputationGraph g = graph();
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 8, 6);
        Map<String, INDArray> all = g.feedForward(new INDArray[]{x}, true, false);
        INDArray[] plain = {all.get("conv"), all.get("bn"), all.get("relu"), all.get("pool")};
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.update(g, ExternalBackprop.backward(g, out, Map.of("out", Nd4j.ones(DataType.FLOAT, out.get("out").shape()))));
        assertAllClosed(plain, false, "of a plain feedForward, after a step");
        for (INDArray a : plain) a.sumNumber();
    }
}
