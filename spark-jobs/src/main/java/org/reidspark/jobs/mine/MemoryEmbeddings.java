package org.reidspark.jobs.mine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.method.paul.PaulMethod;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.KeyedState;
import org.reidspark.train.TrainingState;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.reidspark.jobs.shard.ShardJob.explained;

/**
 * {@code mine}'s second input: the image memory of a PAUL training checkpoint (https://arxiv.org/abs/1904.01308; IPFL's
 * image centers, the keyed state {@value PaulMethod#IMAGE_MEMORY}, {@code [N, 1 + D]}: column 0 is 1 once the image
 * has an entry). Its rows are keyed by the training images' places in the manifest; {@code reid.data}'s catalog names
 * them (the uri of each), so it must be the dataset the checkpoint trained on: the count of training images and every
 * key are checked. Only the rows with an entry are mined; the result is {@link MineJob.Embeddings}, in uri order, as
 * an extract output gives.
 */
final class MemoryEmbeddings {
    private MemoryEmbeddings() {
    }

    static MineJob.Embeddings read(JobContext ctx, String checkpoint) throws IOException {
        Storage storage = ctx.storage();
        TrainingState state = explained("read the checkpoint", checkpoint, ctx.s3(),
                () -> new Checkpoints(storage, Storage.path(checkpoint)).load())
                .orElseThrow(() -> ConfigError.badValue("reid.mine.checkpoint", checkpoint,
                        "a training checkpoint directory (e.g. runs/<name>/checkpoints or an ablation's checkpoints/paul/seed-1); none is there"));
        if (!state.aux().containsKey(PaulMethod.IMAGE_MEMORY)) {
            throw ConfigError.badValue("reid.mine.checkpoint", checkpoint, "a checkpoint of PAUL's unsupervised training, which"
                    + " keeps an image memory (" + PaulMethod.IMAGE_MEMORY + "); this one holds " + (state.aux().isEmpty()
                    ? "no auxiliary state" : "only " + String.join(", ", state.aux().keySet())));
        }
        KeyedState memory = state.keyed(PaulMethod.IMAGE_MEMORY);
        Manifest manifest = ShardJob.read(ctx, SynthDatasets.resolve(ctx.config(), storage));
        List<Sample> samples = manifest.samples();
        long train = samples.stream().filter(s -> s.split() == Split.TRAIN).count();
        long[] keys = memory.keys();
        if (train != keys.length) {
            throw new ConfigError("reid.mine.checkpoint " + checkpoint + " holds an image memory of " + keys.length
                    + " training images, but reid.data's dataset " + manifest.dataset() + " in " + manifest.root() + " has " + train
                    + ": give the dataset the checkpoint trained on (reid.data, e.g. the training run's --conf)");
        }
        INDArray rows = memory.rows().castTo(DataType.FLOAT);
        int dims = (int) rows.size(1) - 1;
        record Entry(String uri, float[] row) {
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            long key = keys[i];
            if (key < 0 || key >= samples.size() || samples.get((int) key).split() != Split.TRAIN) {
                throw new ConfigError("reid.mine.checkpoint " + checkpoint + ": memory key " + key + " is not a training image of"
                        + " reid.data's dataset " + manifest.dataset() + "; give the dataset the checkpoint trained on");
            }
            if (rows.getDouble(i, 0) == 0) continue; // never seen in training: no entry
            float[] row = new float[dims];
            for (int q = 0; q < dims; q++) row[q] = rows.getFloat(i, 1 + q);
            entries.add(new Entry(samples.get((int) key).uri(), row));
        }
        entries.sort(Comparator.comparing(Entry::uri));
        List<String> uris = new ArrayList<>(entries.size());
        float[] flat = new float[Math.multiplyExact(entries.size(), dims)];
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0 && entries.get(i).uri().equals(entries.get(i - 1).uri())) {
                throw new IOException(checkpoint + ": two memory rows name " + entries.get(i).uri());
            }
            uris.add(entries.get(i).uri());
            System.arraycopy(entries.get(i).row(), 0, flat, i * dims, dims);
        }
        String provenance = "checkpoint " + checkpoint + " at epoch " + state.epoch() + ", iteration " + state.iteration();
        return new MineJob.Embeddings(uris, List.of(provenance), dims, flat);
    }
}
