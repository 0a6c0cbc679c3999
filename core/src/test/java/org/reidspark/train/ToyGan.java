package org.reidspark.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.Batch;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny generator/discriminator pair (a GAN, Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661) built the way
 * a method builds its networks: two DL4J {@link ComputationGraph}s with the project's base configuration
 * ({@link ResNet#baseBuilder}: training workspace mode NONE, as {@link org.reidspark.model.ExternalBackprop} needs),
 * each with its own optimizer, held in one {@link NetworkSet}, plus auxiliary state of both merge kinds. It stands in
 * for DG-Net (several networks, several optimizers, alternating updates, a discriminator whose input gradient trains
 * the generator) and PAUL (a memory bank keyed by image) in the tests that show the training interfaces fit them.
 *
 * <p>Shapes ({@code B} = batch size):
 * <ul>
 *   <li>{@value #GENERATOR}: input {@value #NOISE_INPUT} {@code [B, NOISE]} -> dense tanh {@code [B, HIDDEN]} ->
 *       output {@value #IMAGE} (dense, identity) {@code [B, IMAGE_DIM]}: a generated "image" (a vector here).</li>
 *   <li>{@value #DISCRIMINATOR}: input {@value #IMAGE} {@code [B, IMAGE_DIM]} -> dense tanh {@code [B, HIDDEN]} ->
 *       outputs {@value #FEATURE} {@code [B, HIDDEN]} (identity of the hidden layer, what the memory bank stores)
 *       and {@value #LOGIT} {@code [B, 1]} (real vs generated).</li>
 *   <li>auxiliary state: {@value #BANK} ({@link KeyedState}, one {@code [HIDDEN]} row per training image, merged by
 *       key) and {@value #FAKE_MEAN} ({@link DenseState} {@code [1, IMAGE_DIM]}, a running mean of generated images,
 *       averaged).</li>
 * </ul>
 * Real "images" come from {@link RealSource}: a fixed pool of vectors around {@link #REAL_MEAN}, each with its
 * sample uri {@code toy:<key>}.
 */
final class ToyGan {
    static final String GENERATOR = "generator";
    static final String DISCRIMINATOR = "discriminator";
    static final String NOISE_INPUT = "noise";
    static final String IMAGE = "image";
    static final String FEATURE = "feature";
    static final String LOGIT = "logit";
    static final String BANK = "bank";
    static final String FAKE_MEAN = "fakeMean";

    static final int NOISE = 3;
    static final int HIDDEN = 6;
    static final int IMAGE_DIM = 4;
    /** The centre of the real data. */
    static final double[] REAL_MEAN = {1.0, -0.5, 0.5, 1.5};

    private ToyGan() {
    }

    /** noise {@code [B, NOISE]} -> hidden (tanh) -> image {@code [B, IMAGE_DIM]}. */
    static ComputationGraph generator(long seed, DataType type, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(seed, type, updater, 0))
                .addInputs(NOISE_INPUT);
        g.addLayer("g.hidden", new DenseLayer.Builder().nIn(NOISE).nOut(HIDDEN).activation(Activation.TANH).build(), NOISE_INPUT);
        g.addLayer(IMAGE, new DenseLayer.Builder().nIn(HIDDEN).nOut(IMAGE_DIM).activation(Activation.IDENTITY).build(), "g.hidden");
        g.setOutputs(IMAGE);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** image {@code [B, IMAGE_DIM]} -> hidden (tanh) -> feature {@code [B, HIDDEN]} and logit {@code [B, 1]}. */
    static ComputationGraph discriminator(long seed, DataType type, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder g = ResNet.baseBuilder(new NetworkOptions(seed, type, updater, 0))
                .addInputs(IMAGE);
        g.addLayer("d.hidden", new DenseLayer.Builder().nIn(IMAGE_DIM).nOut(HIDDEN).activation(Activation.TANH).build(), IMAGE);
        // outputs must be leaf vertices (ExternalBackprop): the feature is an identity layer beside the logit
        g.addLayer(FEATURE, new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), "d.hidden");
        g.addLayer(LOGIT, new DenseLayer.Builder().nIn(HIDDEN).nOut(1).activation(Activation.IDENTITY).build(), "d.hidden");
        g.setOutputs(FEATURE, LOGIT);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /**
     * A fresh state: both networks, the memory bank (zero rows for keys {@code 0..images-1}) and the running mean.
     *
     * @param generatorUpdater     the generator's optimizer
     * @param discriminatorUpdater the discriminator's optimizer (another kind or rate: each network has its own)
     */
    static TrainingState state(long seed, DataType type, IUpdater generatorUpdater, IUpdater discriminatorUpdater, int images) {
        NetworkSet nets = new NetworkSet()
                .put(GENERATOR, generator(seed, type, generatorUpdater))
                .put(DISCRIMINATOR, discriminator(seed + 1, type, discriminatorUpdater));
        long[] keys = new long[images];
        for (int i = 0; i < images; i++) keys[i] = i;
        return new TrainingState(nets)
                .putAux(BANK, new KeyedState(keys, Nd4j.zeros(type, images, HIDDEN)))
                .putAux(FAKE_MEAN, new DenseState(Nd4j.zeros(type, 1, IMAGE_DIM), MergeRule.AVERAGE));
    }

    static String uri(long key) {
        return "toy:" + key;
    }

    /** The sample key of each training image's uri, as a method would build it from its manifest. */
    static Map<String, Long> keysByUri(int images) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (long k = 0; k < images; k++) m.put(uri(k), k);
        return m;
    }

    /** The fixed real "image" of {@code key}: {@link #REAL_MEAN} plus noise of standard deviation 0.3. */
    static double[] realImage(long key) {
        Random r = new Random(7919L * key + 13);
        double[] x = new double[IMAGE_DIM];
        for (int j = 0; j < IMAGE_DIM; j++) x[j] = REAL_MEAN[j] + 0.3 * r.nextGaussian();
        return x;
    }

    /** A batch of the real images of {@code keys}: images {@code [keys.length, IMAGE_DIM]} float. */
    static Batch batch(int epoch, int index, long[] keys) {
        double[][] x = new double[keys.length][];
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            x[i] = realImage(keys[i]);
            samples.add(new Sample(uri(keys[i]), 0, 0, 0, -1, Split.TRAIN));
        }
        return Batch.of(epoch, index, Nd4j.createFromArray(x).castTo(DataType.FLOAT), new int[keys.length], keys, samples);
    }

    /**
     * Batches of real images drawn (with replacement) from keys {@code [from, to)}, deterministic in the epoch, so a
     * resumed run sees the same data.
     */
    static final class RealSource implements BatchSource {
        private final long from;
        private final long to;
        private final int batchSize;
        private final int batches;
        private final long seed;

        RealSource(long from, long to, int batchSize, int batches, long seed) {
            this.from = from;
            this.to = to;
            this.batchSize = batchSize;
            this.batches = batches;
            this.seed = seed;
        }

        @Override
        public int batchesPerEpoch() {
            return batches;
        }

        @Override
        public Iterator<Batch> epoch(int epoch) {
            Random r = new Random(seed * 1000 + epoch);
            List<Batch> out = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                long[] keys = new long[batchSize];
                for (int i = 0; i < batchSize; i++) keys[i] = from + r.nextInt((int) (to - from));
                out.add(batch(epoch, b, keys));
            }
            return out.iterator();
        }
    }
}
