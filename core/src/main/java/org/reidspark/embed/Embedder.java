package org.reidspark.embed;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.Sample;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.Sequential;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.head.BNNeck;

import java.util.Iterator;
import java.util.List;

/**
 * Image -> embedding: the evaluation preprocessing (decode, resize to {@code reid.input}, normalize; no
 * augmentation), the network's {@code embedding} output in inference mode, optionally averaged with the
 * horizontally flipped image's, L2-normalized. Input batches {@code [B, 3, H, W]}, output rows {@code [D]}.
 */
public final class Embedder {
    private final ComputationGraph graph;
    private final InputConfig input;
    private final ImageSource images;
    private final LoaderConfig loader;
    private final int batchSize;
    private final boolean flip;
    private final int outputIndex;

    public Embedder(ComputationGraph graph, InputConfig input, ImageSource images, LoaderConfig loader, int batchSize, boolean flip) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.graph = graph;
        this.input = input;
        this.images = images;
        this.loader = loader;
        this.batchSize = batchSize;
        this.flip = flip;
        this.outputIndex = ReidNetwork.outputIndex(graph, BNNeck.EMBEDDING);
    }

    /** Embeddings of {@code samples}, one L2-normalized row each, in the samples' order. */
    public float[][] embed(List<Sample> samples) {
        float[][] out = new float[samples.size()][];
        if (samples.isEmpty()) return out;
        try (BatchLoader batches = new BatchLoader(samples, images, Augmentation.none(input), loader, 0)) {
            Iterator<Batch> it = batches.epoch(0, Sequential.batches(samples.size(), batchSize));
            int row = 0;
            while (it.hasNext()) {
                INDArray e = embedBatch(it.next().images());
                for (int i = 0; i < e.rows(); i++) out[row++] = e.getRow(i).toFloatVector();
            }
        }
        return out;
    }

    /** Embeddings {@code [B, D]} (L2-normalized) of a normalized batch {@code [B, 3, H, W]}. */
    public INDArray embedBatch(INDArray batch) {
        INDArray x = batch.castTo(graph.getConfiguration().getDataType());
        INDArray e = graph.output(false, x)[outputIndex].dup();
        if (flip) e.addi(graph.output(false, flipWidth(x))[outputIndex]);
        return ReidNetwork.l2Normalize(e).castTo(DataType.FLOAT);
    }

    /** {@code x} {@code [B, C, H, W]} mirrored along W. */
    static INDArray flipWidth(INDArray x) {
        long[] s = x.shape();
        int w = (int) s[3];
        float[] src = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] dst = new float[src.length];
        for (int row = 0; row < src.length; row += w) {
            for (int j = 0; j < w; j++) dst[row + j] = src[row + w - 1 - j];
        }
        return Nd4j.create(dst, s, 'c').castTo(x.dataType());
    }
}
