package org.reidspark.method.toy;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;

/**
 * The toy method's graphs, built like the project's networks ({@link ResNet#baseBuilder}).
 * <ul>
 *   <li>encoder: images {@code [B, 3, H, W]} -> conv 3x3 (8) + ReLU -> conv 3x3 stride 2 ({@code C}) + ReLU =
 *       {@value #MAP} {@code [B, C, H/2, W/2]} -> global average {@value #EMBEDDING} {@code [B, C]} -> dense
 *       {@value #LOGITS} {@code [B, identities]};</li>
 *   <li>teacher: the same trunk with other random weights, output {@value #EMBEDDING} {@code [B, C]} (frozen);</li>
 *   <li>camera classifier: {@code [B, C]} -> dense {@value #LOGITS} {@code [B, cameras]}.</li>
 * </ul>
 */
final class ToyNetworks {
    static final String INPUT = "input";
    static final String MAP = "map";
    static final String EMBEDDING = "embedding";
    static final String LOGITS = "logits";

    private ToyNetworks() {
    }

    static ComputationGraph encoder(ToyConfig c, int identities, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = trunk(c, options);
        g.addLayer(MAP, new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), "conv2");
        g.addLayer(LOGITS, new DenseLayer.Builder().nIn(c.channels()).nOut(identities).activation(Activation.IDENTITY).build(), "pool");
        g.setOutputs(MAP, EMBEDDING, LOGITS);
        return init(g);
    }

    static ComputationGraph teacher(ToyConfig c, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = trunk(c, options);
        g.setOutputs(EMBEDDING);
        return init(g);
    }

    static ComputationGraph cameraClassifier(int channels, int cameras, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.feedForward(channels));
        g.addLayer(LOGITS, new DenseLayer.Builder().nIn(channels).nOut(Math.max(2, cameras)).activation(Activation.IDENTITY).build(), INPUT);
        g.setOutputs(LOGITS);
        return init(g);
    }

    private static ComputationGraphConfiguration.GraphBuilder trunk(ToyConfig c, NetworkOptions options) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.convolutional(c.input().height(), c.input().width(), 3));
        g.addLayer("conv1", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nIn(3).nOut(8).activation(Activation.RELU).build(), INPUT);
        g.addLayer("conv2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nIn(8).nOut(c.channels())
                .activation(Activation.RELU).build(), "conv1");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), "conv2");
        g.addLayer(EMBEDDING, new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), "pool");
        return g;
    }

    private static ComputationGraph init(ComputationGraphConfiguration.GraphBuilder g) {
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    static NetworkOptions options(long seed, IUpdater updater) {
        return new NetworkOptions(seed, org.nd4j.linalg.api.buffer.DataType.FLOAT, updater, 0);
    }
}
