package org.reidspark.train;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.reidspark.artifact.Storage;
import org.reidspark.config.S3Config;
import org.reidspark.data.batch.Batch;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training interfaces ({@link NetworkSet}, {@link TrainingState}, {@link Step}, {@link LocalTrainer},
 * {@link Checkpoints}, {@link MergeAccumulator}), unchanged, carry a method shaped like DG-Net and PAUL: the
 * {@link ToyGan} pair with two optimizers (Adam for the generator, Nesterov momentum for the discriminator),
 * alternating updates in which each network is frozen while the other learns, and a memory bank keyed by image.
 * The cross-network gradient itself is checked numerically in {@link AdversarialGradientTest}.
 */
class AdversarialStepTest {
    private static final int IMAGES = 16;

    @TempDir
    java.nio.file.Path tmp;

    private static TrainingState fresh() {
        return ToyGan.state(5, DataType.FLOAT, new Adam(0.01), new Nesterovs(0.01, 0.9), IMAGES);
    }

    private static AdversarialStep step() {
        return new AdversarialStep(ToyGan.keysByUri(IMAGES), 0.1);
    }

    private static final LearningRates LR = LearningRates.of(ToyGan.GENERATOR, 0.05).and(ToyGan.DISCRIMINATOR, 0.05);

    private static TrainConfig config(int epochs) {
        return new TrainConfig(epochs, 100, 1, 0, new LrSchedule("warmup-multistep", 1, 0.5, List.of(3), 0.5, 0));
    }

    private static ToyGan.RealSource source() {
        return new ToyGan.RealSource(0, IMAGES, 4, 5, 9);
    }

    /** Parameters, optimizer state and iteration count of a network, copied. */
    private record Snapshot(INDArray params, INDArray updater, int iteration) {
        static Snapshot of(ComputationGraph g) {
            return new Snapshot(g.params().dup(), g.getUpdater(true).getStateViewArray().dup(), g.getIterationCount());
        }

        boolean same(ComputationGraph g) {
            return params.equals(g.params()) && updater.equals(g.getUpdater(true).getStateViewArray())
                    && iteration == g.getIterationCount();
        }
    }

    @Test
    void eachNetworkIsFrozenWhileTheOtherOneLearns() {
        TrainingState s = fresh();
        AdversarialStep step = step();
        // one full step first, so both optimizers hold non-zero state
        step.apply(ToyGan.batch(0, 0, new long[]{0, 1, 2, 3}), s, new StepContext(0, 1, 1, 0, 1, 11));
        ComputationGraph g = s.network(ToyGan.GENERATOR);
        ComputationGraph d = s.network(ToyGan.DISCRIMINATOR);
        assertTrue(g.getUpdater(true).getStateViewArray().norm2Number().doubleValue() > 0);
        assertTrue(d.getUpdater(true).getStateViewArray().norm2Number().doubleValue() > 0);
        Batch batch = ToyGan.batch(0, 1, new long[]{4, 5, 6, 7});
        INDArray real = batch.images();
        INDArray z = AdversarialStep.noise(12, 4, DataType.FLOAT);

        Snapshot g0 = Snapshot.of(g);
        Snapshot d0 = Snapshot.of(d);
        step.updateDiscriminator(s, real, z, batch);
        assertTrue(g0.same(g), "the generator does not move during the discriminator's update");
        assertFalse(d0.params().equalsWithEps(d.params(), 1e-7), "the discriminator moved");
        assertEquals(d0.iteration() + 1, d.getIterationCount());

        Snapshot d1 = Snapshot.of(d);
        step.updateGenerator(s, z);
        assertTrue(d1.same(d), "the discriminator does not move during the generator's update");
        assertFalse(g0.params().equalsWithEps(g.params(), 1e-7), "the generator moved");
        assertEquals(g0.iteration() + 1, g.getIterationCount());
    }

    /** Distance between the mean generated image (over fixed noise) and the real data's centre. */
    private static double distanceToRealMean(TrainingState s) {
        INDArray images = s.network(ToyGan.GENERATOR).output(false, AdversarialStep.noise(99, 512, DataType.FLOAT))[0];
        INDArray mean = images.mean(0);
        return mean.sub(Nd4j.createFromArray(ToyGan.REAL_MEAN).castTo(DataType.FLOAT)).norm2Number().doubleValue();
    }

    @Test
    void trainsInTheLocalTrainerAndAResumedRunContinuesTheSameCurve() throws Exception {
        TrainingState straight = fresh();
        double before = distanceToRealMean(straight);
        List<EpochLoop.EpochRecord> full = new LocalTrainer(config(4), 3, null, null)
                .train(straight, step(), LR, source());
        assertEquals(4, full.size());
        assertEquals(20, straight.iteration());
        assertEquals(20, straight.network(ToyGan.GENERATOR).getIterationCount(), "one generator step per batch");
        assertEquals(20, straight.network(ToyGan.DISCRIMINATOR).getIterationCount(), "one discriminator step per batch");
        for (EpochLoop.EpochRecord e : full) {
            assertEquals(e.meanLosses().get("d") + e.meanLosses().get("g"), e.meanLosses().get("loss"), 1e-9);
        }
        double after = distanceToRealMean(straight);
        assertTrue(after < before, "generated images move toward the real data: " + before + " -> " + after);
        KeyedState bank = straight.keyed(ToyGan.BANK);
        int touched = 0;
        for (int i = 0; i < IMAGES; i++) {
            if (bank.touched(i)) {
                touched++;
                assertTrue(bank.rows().getRow(i).norm2Number().doubleValue() > 0, "a touched row holds features");
            } else {
                assertEquals(0, bank.rows().getRow(i).norm2Number().doubleValue(), 0, "an untouched row keeps its value");
            }
        }
        assertTrue(touched > IMAGES / 2, touched + " rows touched");
        assertTrue(straight.dense(ToyGan.FAKE_MEAN).value().norm2Number().doubleValue() > 0);

        Storage storage = Storage.of(new S3Config("", "", "", "", false, true, 1000, 1));
        Checkpoints ck = new Checkpoints(storage, new Path(tmp.toUri().toString(), "ck"));
        TrainingState first = fresh();
        new LocalTrainer(config(2), 3, ck, null).train(first, step(), LR, source());
        TrainingState resumed = ck.load().orElseThrow();
        assertEquals(2, resumed.epoch());
        assertEquals(List.of(ToyGan.GENERATOR, ToyGan.DISCRIMINATOR), List.copyOf(resumed.networks().names()));
        List<EpochLoop.EpochRecord> rest = new LocalTrainer(config(4), 3, ck, null).train(resumed, step(), LR, source());
        assertEquals(4, rest.size(), "the resumed run's curve has every epoch");
        for (int i = 0; i < 4; i++) {
            for (String term : List.of("d", "g")) {
                assertEquals(full.get(i).meanLosses().get(term), rest.get(i).meanLosses().get(term), 1e-5, term);
            }
        }
        for (String net : List.of(ToyGan.GENERATOR, ToyGan.DISCRIMINATOR)) {
            ComputationGraph a = straight.network(net);
            ComputationGraph b = resumed.network(net);
            assertTrue(a.params().equalsWithEps(b.params(), 1e-5), net + " parameters");
            assertTrue(a.getUpdater(true).getStateViewArray().equalsWithEps(b.getUpdater(true).getStateViewArray(), 1e-5),
                    net + " optimizer state");
        }
        assertTrue(bank.rows().equalsWithEps(resumed.keyed(ToyGan.BANK).rows(), 1e-5), "memory bank");
        for (int i = 0; i < IMAGES; i++) assertEquals(bank.touched(i), resumed.keyed(ToyGan.BANK).touched(i));
        assertTrue(straight.dense(ToyGan.FAKE_MEAN).value().equalsWithEps(resumed.dense(ToyGan.FAKE_MEAN).value(), 1e-5));
        assertEquals(straight.iteration(), resumed.iteration());
    }

    private static void run(TrainingState s, long[][] batches, long seed) {
        AdversarialStep step = step();
        for (int b = 0; b < batches.length; b++) {
            Map<String, Double> losses = step.apply(ToyGan.batch(0, b, batches[b]), s,
                    new StepContext(0, 1, batches.length, s.iteration(), 1, Round.mix(seed, s.iteration())));
            assertTrue(Double.isFinite(losses.get("loss")));
            s.advanceIteration();
        }
    }

    @Test
    void twoWorkersMergeByEachComponentsRule() {
        TrainingState base = fresh();
        run(base, new long[][]{{0, 1, 2, 3}}, 1);
        base.keyed(ToyGan.BANK).clearTouched(); // as after a broadcast
        INDArray baseBank = base.keyed(ToyGan.BANK).rows().dup();
        TrainingState w1 = base.copy();
        TrainingState w2 = base.copy();
        // keys 4, 5, 6 are seen by both workers, 0-3 and 7 only by the first, 8-12 only by the second, 13-15 by neither
        run(w1, new long[][]{{0, 1, 2, 3}, {4, 5, 6, 7}}, 2);
        run(w2, new long[][]{{4, 5, 8, 9}, {10, 11, 6, 12}}, 3);

        MergeAccumulator acc = new MergeAccumulator().add(w1).combine(new MergeAccumulator().add(w2));
        acc.applyTo(base);

        assertEquals(2, acc.count());
        assertEquals(3, base.iteration());
        for (String net : List.of(ToyGan.GENERATOR, ToyGan.DISCRIMINATOR)) {
            ComputationGraph a = w1.network(net);
            ComputationGraph b = w2.network(net);
            assertFalse(a.params().equalsWithEps(b.params(), 1e-7), net + ": the workers diverged before the merge");
            assertTrue(a.params().add(b.params()).divi(2).equalsWithEps(base.network(net).params(), 1e-6), net + " parameters");
            INDArray updater = a.getUpdater(true).getStateViewArray().add(b.getUpdater(true).getStateViewArray()).divi(2);
            assertTrue(updater.equalsWithEps(base.network(net).getUpdater(true).getStateViewArray(), 1e-6), net + " optimizer state");
        }
        INDArray mean = w1.dense(ToyGan.FAKE_MEAN).value().add(w2.dense(ToyGan.FAKE_MEAN).value()).divi(2);
        assertTrue(mean.equalsWithEps(base.dense(ToyGan.FAKE_MEAN).value(), 1e-6), "dense state is averaged");

        KeyedState k1 = w1.keyed(ToyGan.BANK);
        KeyedState k2 = w2.keyed(ToyGan.BANK);
        KeyedState merged = base.keyed(ToyGan.BANK);
        for (int key = 0; key < IMAGES; key++) {
            int i = merged.index(key);
            boolean t1 = key <= 7;
            boolean t2 = key >= 4 && key <= 12 && key != 7;
            assertEquals(t1, k1.touched(i), "worker 1 row " + key);
            assertEquals(t2, k2.touched(i), "worker 2 row " + key);
            INDArray expected = t1 && t2 ? k1.row(key).add(k2.row(key)).divi(2)
                    : t1 ? k1.row(key) : t2 ? k2.row(key) : baseBank.getRow(i);
            assertTrue(expected.equalsWithEps(merged.row(key), 1e-6), "bank row " + key + ": " + merged.row(key)
                    + " expected " + expected);
            assertFalse(merged.touched(i), "touched marks are cleared for the next round");
        }
        assertFalse(k1.row(5).equalsWithEps(k2.row(5), 1e-7), "a row both workers wrote differs between them");

        // the merged state trains on
        run(base, new long[][]{{13, 14, 15, 0}}, 4);
    }
}
