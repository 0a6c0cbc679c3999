package org.reidspark.method.dgnet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.method.bot.BotMethod;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.PretrainedWeights;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.dgnet.DgNetAppearance;
import org.reidspark.model.dgnet.DgNetDiscriminator;
import org.reidspark.model.dgnet.DgNetGenerator;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.LearningRates;
import org.reidspark.train.MergeRule;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * DG-Net, "Joint Discriminative and Generative Learning for Person Re-identification" (Zheng et al., CVPR 2019,
 * https://arxiv.org/abs/1904.07223; official code NVlabs/DG-Net, which this follows where it and METHODS.md differ:
 * docs/dgnet-official-code.md lists both). An appearance encoder that is the re-ID network, trained together with a
 * generator that swaps appearance and structure between identities, and on the generated images.
 *
 * <p>Networks (all trained and averaged across workers except the teacher):
 * <ul>
 *   <li>{@value #APPEARANCE}: Ea ({@link DgNetAppearance}): images {@code [B, 3, H, W]} -> appearance code
 *       {@code [B, 4C]}, the primary and fine-grained heads' features {@code [B, bottleneck]} and logits
 *       {@code [B, identities]}; SGD with Nesterov momentum (or Adam: {@code ea-optimizer}), the heads at
 *       {@code head-factor} x the rate;</li>
 *   <li>{@value #STRUCTURE}: Es ({@link DgNetGenerator#structureEncoder}): gray {@code [B, 1, H, W]} -> structure code
 *       {@code [B, 8d, H/4, W/4]}; Adam with beta1 0;</li>
 *   <li>{@value #DECODER}: G ({@link DgNetGenerator#decoder}): structure and appearance codes -> image
 *       {@code [B, 3, H, W]}; Adam with beta1 0;</li>
 *   <li>{@value #DISCRIMINATOR}: D ({@link DgNetDiscriminator}): image -> one map per scale; Adam with beta1 0;</li>
 *   <li>{@value #TEACHER} (frozen, only with {@code reid.dgnet.teacher}): a published BoT run's network, whose
 *       {@code logits} on generated images (and their mirror) are the soft labels of the KL term.</li>
 * </ul>
 * The step is {@link DgNetStep}. Test feature: [L2(primary), sqrt(fine-weight) L2(fine)] compared by cosine, which
 * ranks as the official score {@code p.p' + 0.5 f.f'} ({@link DgNetTestNetwork}).
 */
public final class DgNetMethod implements Method {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "dgnet";
    public static final String APPEARANCE = "appearance";
    public static final String STRUCTURE = "structure";
    public static final String DECODER = "decoder";
    public static final String DISCRIMINATOR = "discriminator";
    public static final String TEACHER = "teacher";
    /** PyTorch's Adam epsilon, which the official optimizers use. */
    static final double ADAM_EPSILON = 1e-8;

    private final DgNetConfig config;

    public DgNetMethod(DgNetConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DgNetConfig config() {
        return config;
    }

    /** Flip and pad-crop; the step erases the identity losses' inputs itself (the generator's targets stay clean). */
    @Override
    public TrainingInputs trainingInputs() {
        AugmentConfig a = config.augment();
        AugmentConfig geometric = new AugmentConfig(a.flip(), a.pad(), 0, a.erasingMinArea(), a.erasingMaxArea(),
                a.erasingMinAspect(), a.erasingFill());
        return TrainingInputs.of(TrainingInputs.identities(config.sampler().p(), config.sampler().k()),
                new Augmentation(config.input(), geometric));
    }

    NetworkOptions gan(long seed, double lr) {
        return new NetworkOptions(seed, DataType.FLOAT, new Adam(lr, 0.0, 0.999, ADAM_EPSILON), config.weightDecay());
    }

    /** Ea's configuration; {@code withDropout} false gives the official frozen copy's (dropout off, BatchNorm on batches). */
    ComputationGraphConfiguration appearanceConfig(int identities, long seed, DataType type, boolean withDropout) {
        org.nd4j.linalg.learning.config.IUpdater updater = config.eaOptimizer().equals("adam") ? new Adam(config.eaLr())
                : new Nesterovs(config.eaLr(), config.momentum());
        NetworkOptions options = new NetworkOptions(seed, type, updater, config.weightDecay());
        return DgNetAppearance.of(config.model(), identities, config.bottleneck(),
                withDropout ? DgNetAppearance.PRIMARY_DROPOUT : 0, withDropout ? DgNetAppearance.FINE_DROPOUT : 0, options);
    }

    ComputationGraphConfiguration structureConfig(long seed, DataType type) {
        return DgNetGenerator.structureEncoder(config.generatorSpec(), gan(seed, config.genLr()).withDataType(type));
    }

    ComputationGraphConfiguration decoderConfig(long seed, DataType type) {
        return DgNetGenerator.decoder(config.generatorSpec(), gan(seed, config.genLr()).withDataType(type));
    }

    static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Override
    public TrainingState initialize(TrainingData data, long seed, Storage storage) {
        return initialize(data, seed, storage, DataType.FLOAT);
    }

    /** {@link #initialize} with networks of {@code type} (DOUBLE for gradient checks). */
    TrainingState initialize(TrainingData data, long seed, Storage storage, DataType type) {
        ComputationGraph ea = init(appearanceConfig(data.identities(), seed, type, true));
        PretrainedWeights.loadConfigured(ea, ReidNetwork.backboneLayers(config.model()), config.model(), storage);
        NetworkSet set = new NetworkSet()
                .put(APPEARANCE, ea)
                .put(STRUCTURE, init(structureConfig(seed + 1, type)))
                .put(DECODER, init(decoderConfig(seed + 2, type)))
                .put(DISCRIMINATOR, init(DgNetDiscriminator.of(config.discriminatorSpec(), gan(seed + 3, config.disLr()).withDataType(type))));
        if (!config.teacher().isEmpty()) set.put(TEACHER, teacher(storage, data.identities()), MergeRule.FROZEN);
        return new TrainingState(set);
    }

    /** The teacher's network from its published run, checked against this run's identities and input size. */
    public ComputationGraph teacher(Storage storage, int identities) {
        org.apache.hadoop.fs.Path dir = Storage.path(config.teacher());
        org.apache.hadoop.fs.Path zip = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(dir, "model"), BotMethod.NETWORK + ".zip");
        ComputationGraph g;
        try {
            if (!RunDirectory.isPublished(storage, dir)) {
                throw new IllegalArgumentException("reid.dgnet.teacher = " + dir + " is not a published run directory (no "
                        + RunDirectory.MARKER + "): train the teacher (a bot run on the same data) first");
            }
            if (!storage.exists(zip)) {
                throw new IllegalArgumentException("reid.dgnet.teacher = " + dir + " has no " + zip.getName()
                        + " in model/: the teacher must be a bot run (its network " + BotMethod.NETWORK + ")");
            }
            g = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(storage.readBytes(zip)), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the teacher " + zip, e);
        }
        int logits = ReidNetwork.outputIndex(g, BNNeck.LOGITS);
        long[] out;
        try {
            out = g.output(false, Nd4j.zeros(g.getConfiguration().getDataType(), 1, 3, config.input().height(), config.input().width()))[logits].shape();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the teacher " + dir + " does not take this run's input size "
                    + config.input().height() + "x" + config.input().width() + ": " + e.getMessage(), e);
        }
        if (out[1] != identities) {
            throw new IllegalArgumentException("the teacher " + dir + " has " + out[1] + " identity logits, this run's training "
                    + "split " + identities + " identities: train the teacher on the same training identities");
        }
        return g;
    }

    @Override
    public Step step(TrainingData data, long seed) {
        return new DgNetStep(this, data.identities());
    }

    @Override
    public LearningRates learningRates() {
        return LearningRates.of(APPEARANCE, config.eaLr()).and(STRUCTURE, config.genLr()).and(DECODER, config.genLr())
                .and(DISCRIMINATOR, config.disLr());
    }

    @Override
    public TestNetwork testNetwork(NetworkSet networks) {
        return new DgNetTestNetwork(networks.get(APPEARANCE), config.fineWeight());
    }
}
