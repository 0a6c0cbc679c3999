package org.reidspark.method.toy;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.artifact.Storage;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.SampleField;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.train.KeyedState;
import org.reidspark.train.LearningRates;
import org.reidspark.train.MergeRule;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.util.List;
import java.util.Map;

/**
 * The toy method (see the package): networks {@value #ENCODER} and {@value #CAMERA} (trained, averaged),
 * {@value #TEACHER} (frozen), keyed state {@value #BANK} ({@code [train images, C]}), P x K batches carrying the
 * camera field, test features embedding + parts + visibility matched by visibility-weighted parts.
 */
public final class ToyMethod implements Method {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "toy";
    static final String ENCODER = "encoder";
    static final String CAMERA = "camera";
    static final String TEACHER = "teacher";
    static final String BANK = "bank";

    private final ToyConfig config;

    public ToyMethod(ToyConfig config) {
        this.config = config;
    }

    /** The toy's one line in the method switch: a method outside the main module is registered. */
    public static void register() {
        Methods.register(NAME, c -> new ToyMethod(ToyConfig.from(c)));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ToyConfig config() {
        return config;
    }

    @Override
    public TrainingInputs trainingInputs() {
        return new TrainingInputs(TrainingInputs.identities(config.sampler().p(), config.sampler().k()),
                Map.of(Batch.IMAGES, new Augmentation(config.input(), config.augment())), List.of(SampleField.CAMERA));
    }

    @Override
    public TrainingState initialize(TrainingData data, long seed, Storage storage) {
        NetworkSet nets = new NetworkSet()
                .put(ENCODER, ToyNetworks.encoder(config, data.identities(), ToyNetworks.options(seed, new Adam(config.lr()))))
                .put(CAMERA, ToyNetworks.cameraClassifier(config.channels(), data.cameras(),
                        ToyNetworks.options(seed + 1, new Adam(config.cameraLr()))))
                .put(TEACHER, ToyNetworks.teacher(config, ToyNetworks.options(seed + 99, new NoOp())), MergeRule.FROZEN);
        long[] keys = data.trainKeys();
        return new TrainingState(nets).putAux(BANK, new KeyedState(keys, Nd4j.zeros(keys.length, config.channels())));
    }

    @Override
    public Step step(TrainingData data, long seed) {
        return new ToyStep(config);
    }

    @Override
    public LearningRates learningRates() {
        return LearningRates.of(ENCODER, config.lr()).and(CAMERA, config.cameraLr());
    }

    @Override
    public TestNetwork testNetwork(NetworkSet networks) {
        return new ToyTestNetwork(networks.get(ENCODER));
    }
}
