package org.reidspark.perf;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.batch.Batch;
import org.reidspark.method.Method;
import org.reidspark.method.TrainingData;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times one training step of a method, as its config builds it (networks, optimizers, losses: everything
 * {@link Method#step} does), on batches of random normalized images of the configured input size with P x K labels
 * (K consecutive images per identity, as the identity sampler gives them): the time per step of any method at any size,
 * without data (DG-Net's CPU benchmark configuration against the official full-size one, issue 16). The steps run at
 * 60% of a notional training, where every ramped term of a schedule (DG-Net's) is on. Methods whose step needs more
 * than images and labels (clothes classes: CAL) fail with their own error.
 */
public final class StepBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(StepBenchmark.class);

    private StepBenchmark() {
    }

    /**
     * @param seconds   each timed step's wall time, in order
     * @param batch     images per step
     * @param terms     the last step's reported terms
     */
    public record Result(String method, double[] seconds, int batch, Map<String, Double> terms) {
        public double medianSeconds() {
            return NetworkBenchmark.median(seconds);
        }

        public String summary() {
            return String.format(Locale.ROOT, "%s: median %.3f s/step over %d steps (%.1f img/s, batch %d); each: %s",
                    method, medianSeconds(), seconds.length, batch / medianSeconds(), batch, Arrays.toString(seconds));
        }
    }

    /**
     * @param identities training identities of the notional training set (the classifiers' width)
     * @param storage    reads what the method's initialization reads (pretrained weights, a teacher); may be null
     */
    public static Result run(Method method, InputConfig input, int identities, int warmup, int iterations, long seed, Storage storage) {
        if (warmup < 0 || iterations < 1) throw new IllegalArgumentException("warm-up must be >= 0 and iterations >= 1");
        int n = method.trainingInputs().sampling().batchSize();
        int perIdentity = method.trainingInputs().sampling().imagesPerIdentity();
        if (identities < n / perIdentity) {
            throw new IllegalArgumentException("a batch of " + n + " images, " + perIdentity + " per identity, needs at least "
                    + n / perIdentity + " identities (reid.bench.classes), got " + identities);
        }
        long[] keys = new long[identities * perIdentity];
        for (int i = 0; i < keys.length; i++) keys[i] = i;
        TrainingData data = new TrainingData(identities, 1, keys);
        TrainingState state = method.initialize(data, seed, storage);
        method.learningRates().apply(state.networks(), 1.0);
        Step step = method.step(data, seed);
        Nd4j.getRandom().setSeed(seed);
        INDArray images = Nd4j.randn(DataType.FLOAT, n, 3, input.height(), input.width());
        int[] labels = new int[n];
        long[] batchKeys = new long[n];
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = (i / perIdentity) % identities;
            batchKeys[i] = (long) labels[i] * perIdentity + i % perIdentity;
            samples.add(new Sample("bench/" + i + ".jpg", labels[i], labels[i], 1, -1, Split.TRAIN));
        }
        Batch batch = Batch.of(0, 0, images, labels, batchKeys, samples);
        int total = warmup + iterations;
        double[] seconds = new double[iterations];
        Map<String, Double> terms = Map.of();
        for (int i = 0; i < total; i++) {
            long t0 = System.nanoTime();
            // iteration 1.2 x total + i of 2 x total: 60% of training and on
            terms = step.apply(batch, state, new StepContext(1, 2, total, (long) (1.2 * total) + i, 1.0, seed + i));
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= warmup) seconds[i - warmup] = s;
            LOG.info("{} step {} of {}{}: {} s, loss {}", method.name(), i + 1, total, i < warmup ? " (warm-up)" : "",
                    String.format(Locale.ROOT, "%.3f", s), terms.get("loss"));
        }
        return new Result(method.name(), seconds, n, terms);
    }

}
