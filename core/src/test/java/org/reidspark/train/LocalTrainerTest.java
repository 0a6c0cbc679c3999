package org.reidspark.train;

import org.reidspark.data.batch.Batch;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.config.S3Config;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalTrainerTest {
    @TempDir
    java.nio.file.Path tmp;

    /** Deterministic toy batches: 8 vectors of 4 features, 3 classes, from (seed, epoch). */
    static final class ToySource implements BatchSource {
        @Override
        public int batchesPerEpoch() {
            return 3;
        }

        @Override
        public Iterator<Batch> epoch(int epoch) {
            List<Batch> out = new ArrayList<>();
            Random r = new Random(1000L + epoch);
            for (int b = 0; b < 3; b++) {
                float[] x = new float[8 * 4];
                int[] labels = new int[8];
                for (int i = 0; i < 8; i++) {
                    labels[i] = i % 3;
                    for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (r.nextGaussian() + (j == labels[i] ? 2 : 0));
                }
                List<Sample> samples = new ArrayList<>();
                for (int i = 0; i < 8; i++) samples.add(new Sample("toy:" + epoch + "/" + b + "/" + i, labels[i], labels[i], 0, -1, Split.TRAIN));
                long[] keys = new long[8];
                for (int i = 0; i < 8; i++) keys[i] = 100L * b + i;
                out.add(Batch.of(epoch, b, Nd4j.create(x, new long[]{8, 4}), labels, keys, samples));
            }
            return out.iterator();
        }
    }

    /** A step that fits the toy network with DL4J's own loss; reports its score. */
    static final Step TOY_STEP = (batch, state, ctx) -> {
        ComputationGraph g = state.network("net");
        INDArray y = Nd4j.zeros(batch.size(), 3);
        for (int i = 0; i < batch.size(); i++) y.putScalar(i, batch.labels()[i], 1.0);
        g.fit(new INDArray[]{batch.images()}, new INDArray[]{y});
        return Map.of("loss", g.score());
    };

    static TrainConfig config(int epochs) {
        return new TrainConfig(epochs, 1, 1, 0, new LrSchedule("warmup-multistep", 2, 0.1, List.of(3), 0.1, 0));
    }

    static TrainingState fresh() {
        return new TrainingState(new NetworkSet().put("net", TrainingStateTest.tinyNet(7)));
    }

    @Test
    void learnsAndReportsACurve() throws Exception {
        TrainingState s = fresh();
        List<EpochLoop.EpochRecord> curve = new LocalTrainer(config(4), 1, null, null)
                .train(s, TOY_STEP, LearningRates.of("net", 0.05), new ToySource());
        assertEquals(4, curve.size());
        assertEquals(4, s.epoch());
        assertEquals(12, s.iteration());
        assertTrue(curve.get(3).meanLosses().get("loss") < curve.get(0).meanLosses().get("loss"), curve.toString());
        assertEquals(0.1, curve.get(0).lrFactor(), 1e-12);
        assertEquals(0.1, curve.get(3).lrFactor(), 1e-12);
    }

    @Test
    void resumedRunFollowsTheSameCurve() throws Exception {
        Storage storage = Storage.of(new S3Config("", "", "", "", false, true, 1000, 1));
        TrainingState straight = fresh();
        List<EpochLoop.EpochRecord> full = new LocalTrainer(config(4), 1, null, null)
                .train(straight, TOY_STEP, LearningRates.of("net", 0.05), new ToySource());

        Checkpoints ck = new Checkpoints(storage, new Path(tmp.toUri().toString(), "ck"));
        TrainingState first = fresh();
        new LocalTrainer(config(2), 1, ck, null).train(first, TOY_STEP, LearningRates.of("net", 0.05), new ToySource());
        TrainingState resumed = ck.load().orElseThrow();
        assertEquals(2, resumed.epoch());
        assertEquals(2, resumed.curve().size(), "the checkpoint keeps the curve so far");
        List<EpochLoop.EpochRecord> rest = new LocalTrainer(config(4), 1, ck, null)
                .train(resumed, TOY_STEP, LearningRates.of("net", 0.05), new ToySource());
        assertEquals(4, rest.size(), "the resumed run's curve has every epoch");
        for (int i = 0; i < 4; i++) {
            assertEquals(i, rest.get(i).epoch());
            assertEquals(full.get(i).meanLosses().get("loss"), rest.get(i).meanLosses().get("loss"), 1e-5);
        }
        assertTrue(straight.network("net").params().equalsWithEps(resumed.network("net").params(), 1e-5));
        assertEquals(straight.iteration(), resumed.iteration());
    }

    @Test
    void nanLossStopsAndKeepsTheLastGoodCheckpoint() throws Exception {
        Storage storage = Storage.of(new S3Config("", "", "", "", false, true, 1000, 1));
        Checkpoints ck = new Checkpoints(storage, new Path(tmp.toUri().toString(), "nan"));
        Step poisoned = (batch, state, ctx) -> ctx.iteration() == 4 ? Map.of("loss", Double.NaN, "ce", 1.0)
                : TOY_STEP.apply(batch, state, ctx);
        TrainingState s = fresh();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new LocalTrainer(config(4), 1, ck, null).train(s, poisoned, LearningRates.of("net", 0.05), new ToySource()));
        assertTrue(e.getMessage().contains("'loss' became NaN") && e.getMessage().contains("epoch 2"), e.getMessage());
        assertTrue(e.getMessage().contains(ck.location().toString()), e.getMessage());
        TrainingState kept = ck.load().orElseThrow();
        assertEquals(1, kept.epoch(), "the checkpoint after epoch 1 is the last good one");
        assertEquals(3, kept.iteration());
    }

    @Test
    void aCheckpointIsNeverMissingWhileItIsReplaced() throws Exception {
        Storage storage = Storage.of(new S3Config("", "", "", "", false, true, 1000, 1));
        Path dir = new Path(tmp.toUri().toString(), "replace");
        Checkpoints ck = new Checkpoints(storage, dir);
        TrainingState s = fresh();
        s.setPosition(1, 3);
        ck.save(s);
        s.setPosition(2, 6);
        ck.save(s);
        assertEquals(2, ck.load().orElseThrow().epoch(), "the newest checkpoint");
        java.nio.file.Path d = java.nio.file.Path.of(dir.toUri());
        try (var files = java.nio.file.Files.list(d)) {
            assertEquals(List.of("state.bin"), files.map(f -> f.getFileName().toString()).toList(), "no side files left");
        }
        // a crash after the old checkpoint was moved aside and before the new one was moved in
        java.nio.file.Files.move(d.resolve("state.bin"), d.resolve("state.bin.previous"));
        java.nio.file.Files.write(d.resolve("state.bin.writing"), new byte[] {1, 2, 3});
        assertEquals(2, ck.load().orElseThrow().epoch(), "the previous checkpoint is resumed");
        s.setPosition(3, 9);
        ck.save(s);
        assertEquals(3, ck.load().orElseThrow().epoch());
        try (var files = java.nio.file.Files.list(d)) {
            assertEquals(List.of("state.bin"), files.map(f -> f.getFileName().toString()).toList());
        }
    }
}
