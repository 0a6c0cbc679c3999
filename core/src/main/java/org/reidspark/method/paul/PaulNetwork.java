package org.reidspark.method.paul;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.PretrainedWeights;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.model.layer.BilinearSampler;
import org.reidspark.model.layer.PatchStripes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * PAUL's PatchNet (Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308; official code {@code QizeYang/PAUL},
 * {@code src/models/patchnet.py}, {@code PatchNet} and {@code PatchNetUn}), one DL4J graph:
 * <ul>
 *   <li>backbone: the project's ResNet ({@code reid.model}) with last stride 1 -> the map {@code x [B, C, h, w]}
 *       (ResNet-50 at 384x128: 2048 x 24 x 8);</li>
 *   <li>patch generation network ({@code PatchGenerator}): {@code pgn.conv} 3x3 convolution without padding
 *       {@code C -> pgnChannels} (with bias; 4096 officially), {@code pgn.bn} BatchNorm, ReLU, 3x3 max pooling
 *       stride 2 padding 1, global average pooling -> {@code [B, pgnChannels]}; {@code pgn.fc1} dense
 *       {@code -> pgnHidden} (512) with ReLU; {@code pgn.theta} dense {@code -> 6M} with <em>zero weights and the
 *       bias {@link PatchStripes#bias(int)}</em> (the official {@code fc_loc[2]}), so every image starts with the M
 *       horizontal stripes; output {@value #THETA} {@code [B, 6M]} (patch {@code i}'s 2x3 affine matrix, row-major, in
 *       columns {@code 6i .. 6i+5}, the official {@code theta.view(-1, 6, 2, 3)});</li>
 *   <li>per patch {@code i} ({@code patch<i>.}, 0-based, top to bottom at initialization): a {@link SubsetVertex}
 *       picks its theta {@code [B, 6]}; a {@link BilinearSampler} samples the patch {@code [B, C, h, w]} from the map
 *       ({@code F.grid_sample(x, F.affine_grid(theta, x.size()))}, align_corners true as PyTorch 0.4.1); global
 *       average pooling {@code [B, C]}; {@code patch<i>.down}, the official 1x1 convolution on the pooled map (a dense
 *       layer {@code C -> d}, with bias); {@code patch<i>.bn} BatchNorm; in supervised mode a ReLU ({@code PatchNet}'s
 *       {@code down}; {@code PatchNetUn}'s has none) -> {@code patch<i>.feature} {@code [B, d]} (raw: the step and
 *       the test network L2-normalize it per patch, as {@code PatchNetUn.forward}'s {@code renorm});</li>
 *   <li>{@code patch<i>.embedding}: dense {@code d -> e} with bias (the official {@code new.embedding[i]},
 *       {@code nn.Linear(256, 128)}), output {@code [B, e]}: the supervised triplet's input; in unsupervised mode the
 *       step does not use its output but its weights, as {@code PatchNetUn} does (cosines of the unit patch feature
 *       with the unit weight vectors), and keeps them fixed (they are not among {@code PatchNetUn.get_param}'s
 *       groups);</li>
 *   <li>supervised mode only, {@code patch<i>.logits}: dense {@code d -> classes} with bias ({@code new.fc_list[i]}).</li>
 * </ul>
 * Outputs, in order: {@value #THETA}, then per patch {@code patch<i>.feature}, {@code patch<i>.embedding} and (supervised)
 * {@code patch<i>.logits}. The same layer names in both modes: a supervised run's model warm-starts an unsupervised
 * one ({@code reid.train.init-from}; the classifiers have no counterpart and are left out).
 */
public final class PaulNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(PaulNetwork.class);
    public static final String INPUT = "input";
    public static final String THETA = "theta";
    /** The patch generation network's layers with parameters. */
    public static final List<String> PGN_LAYERS = List.of("pgn.conv", "pgn.bn", "pgn.fc1", "pgn.theta");

    private PaulNetwork() {
    }

    public static String feature(int patch) {
        return "patch" + patch + ".feature";
    }

    public static String embedding(int patch) {
        return "patch" + patch + ".embedding";
    }

    public static String logits(int patch) {
        return "patch" + patch + ".logits";
    }

    /** The embedding layers' names (kept fixed in unsupervised mode). */
    public static List<String> embeddingLayers(int patches) {
        List<String> r = new ArrayList<>();
        for (int i = 0; i < patches; i++) r.add(embedding(i) + ".dense");
        return r;
    }

    /**
     * @param classes identity classes of the supervised classifiers (ignored in unsupervised mode, which has none)
     * @param storage reads {@code reid.model.pretrained} into the backbone, when set
     */
    public static ComputationGraph build(PaulConfig config, int classes, NetworkOptions options, Storage storage) {
        ModelConfig model = config.model();
        int m = config.patches();
        boolean supervised = !config.unsupervised();
        if (supervised && classes < 2) throw new IllegalArgumentException("PAUL's supervised mode needs at least 2 classes, got " + classes);
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(options).addInputs(INPUT)
                .setInputTypes(InputType.convolutional(model.inputHeight(), model.inputWidth(), 3));
        ResNet.Output backbone = ResNet.addTo(g, INPUT, Backbones.byName(model.backbone()), model.width(), 1, model.implementation());
        String map = backbone.output();
        int c = backbone.channels();
        int h = PaulConfig.mapSize(model.inputHeight());
        int w = PaulConfig.mapSize(model.inputWidth());

        int pc = config.pgnChannels();
        g.addLayer("pgn.conv", new ConvolutionLayer.Builder(3, 3).stride(1, 1).padding(0, 0).nOut(pc).hasBias(true)
                .activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2.0 / (pc * 9.0))))).build(), map);
        g.addLayer("pgn.bn", ResNet.batchNorm().build(), "pgn.conv");
        g.addLayer("pgn.relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "pgn.bn");
        g.addLayer("pgn.maxpool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), "pgn.relu");
        g.addLayer("pgn.pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), "pgn.maxpool");
        g.addLayer("pgn.fc1", new DenseLayer.Builder().nOut(config.pgnHidden()).activation(Activation.RELU).build(), "pgn.pool");
        g.addLayer("pgn.theta", new DenseLayer.Builder().nOut(6 * m).activation(Activation.IDENTITY).build(), "pgn.fc1");
        g.addLayer(THETA, identity(), "pgn.theta");

        List<String> outputs = new ArrayList<>(List.of(THETA));
        int d = config.patchDim();
        for (int i = 0; i < m; i++) {
            String p = "patch" + i + ".";
            g.addVertex(p + "theta", new SubsetVertex(6 * i, 6 * i + 5), "pgn.theta");
            g.addVertex(p + "sample", new BilinearSampler(h, w), map, p + "theta");
            g.addLayer(p + "pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), p + "sample");
            g.addLayer(p + "down", new DenseLayer.Builder().nIn(c).nOut(d).activation(Activation.IDENTITY).build(), p + "pool");
            g.addLayer(p + "bn", ResNet.batchNorm().nIn(d).nOut(d).build(), p + "down");
            String local = p + "bn";
            if (supervised) {
                g.addLayer(p + "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), local);
                local = p + "relu";
            }
            g.addLayer(feature(i), identity(), local);
            g.addLayer(embedding(i) + ".dense", new DenseLayer.Builder().nIn(d).nOut(config.embeddingDim())
                    .activation(Activation.IDENTITY).build(), local);
            g.addLayer(embedding(i), identity(), embedding(i) + ".dense");
            outputs.add(feature(i));
            outputs.add(embedding(i));
            if (supervised) {
                g.addLayer(logits(i), new DenseLayer.Builder().nIn(d).nOut(classes).activation(Activation.IDENTITY).build(), local);
                outputs.add(logits(i));
            }
        }
        g.setOutputs(outputs.toArray(new String[0]));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        INDArray thetaW = graph.getLayer("pgn.theta").getParam("W");
        thetaW.assign(0);
        graph.getLayer("pgn.theta").getParam("b").assign(Nd4j.createFromArray(PatchStripes.bias(m)).castTo(thetaW.dataType())
                .reshape(graph.getLayer("pgn.theta").getParam("b").shape()));
        PretrainedWeights.loadConfigured(graph, backbone.layers(), model, storage);
        LOG.info("built PAUL PatchNet ({}) on {} (width {}, {}x{} input, map {}x{}x{}, {} patches of {}): {} trainable parameters",
                config.mode(), model.backbone(), model.width(), model.inputHeight(), model.inputWidth(), c, h, w, m, d,
                ReidNetwork.trainableParams(graph));
        return graph;
    }

    private static ActivationLayer identity() {
        return new ActivationLayer.Builder().activation(Activation.IDENTITY).build();
    }
}
