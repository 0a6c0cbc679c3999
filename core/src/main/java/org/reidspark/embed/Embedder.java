package org.reidspark.embed;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.data.Sample;
import org.reidspark.data.augment.Augmentation;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.BatchLoader;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.Sequential;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.FloatMemory;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images -> a method's test features: the evaluation preprocessing (decode, resize to {@code reid.input}, normalize;
 * no augmentation), the method's {@link TestNetwork} in inference mode, optionally summed with the horizontally
 * flipped image's output, then the network's finishing (L2 normalization for an embedding). Input batches
 * {@code [B, 3, H, W]}; output one {@code [B, d]} float array per test-feature name.
 */
public final class Embedder {
    private final TestNetwork network;
    private final InputConfig input;
    private final ImageSource images;
    private final LoaderConfig loader;
    private final int batchSize;
    private final boolean flip;

    public Embedder(TestNetwork network, InputConfig input, ImageSource images, LoaderConfig loader, int batchSize, boolean flip) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.network = network;
        this.input = input;
        this.images = images;
        this.loader = loader;
        this.batchSize = batchSize;
        this.flip = flip;
    }

    public TestNetwork network() {
        return network;
    }

    /** The test features of {@code samples}, one row each in the samples' order. */
    public TestFeatures embed(String source, List<Sample> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException(source + ": no images to embed");
        Map<String, float[][]> rows = new LinkedHashMap<>();
        for (String name : network.arrays()) rows.put(name, new float[samples.size()][]);
        try (BatchLoader batches = new BatchLoader(samples, images, Augmentation.none(input), loader, 0)) {
            Iterator<Batch> it = batches.epoch(0, Sequential.batches(samples.size(), batchSize));
            int row = 0;
            while (it.hasNext()) {
                Map<String, INDArray> e = embedBatch(it.next().images());
                int n = 0;
                for (Map.Entry<String, float[][]> r : rows.entrySet()) {
                    INDArray a = e.get(r.getKey());
                    float[][] values = FloatMemory.rows(a);
                    n = values.length;
                    System.arraycopy(values, 0, r.getValue(), row, n);
                }
                row += n;
            }
        }
        return TestFeatures.of(source, rows);
    }

    /** The test features (float, one {@code [B, d]} array per name) of a normalized batch {@code [B, 3, H, W]}. */
    public Map<String, INDArray> embedBatch(INDArray batch) {
        return embedBatch(network, batch, flip);
    }

    /**
     * {@code network}'s test features (float, one {@code [B, d]} array per name) of a normalized batch
     * {@code [B, 3, H, W]}, with the mirrored batch's averaged in when {@code flip}: one batch pass, for callers that
     * bring their own batches.
     */
    public static Map<String, INDArray> embedBatch(TestNetwork network, INDArray batch, boolean flip) {
        Map<String, INDArray> sum = network.forward(batch);
        if (flip) {
            Map<String, INDArray> mirrored = network.forward(flipWidth(batch));
            for (Map.Entry<String, INDArray> e : sum.entrySet()) e.getValue().addi(mirrored.get(e.getKey()));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : network.finish(sum, flip ? 2 : 1).entrySet()) {
            out.put(e.getKey(), e.getValue().castTo(DataType.FLOAT));
        }
        return out;
    }

    /** {@code x} {@code [B, C, H, W]} mirrored along W. */
    public static INDArray flipWidth(INDArray x) {
        long[] s = x.shape();
        int w = (int) s[3];
        float[] src = FloatMemory.read(x.castTo(DataType.FLOAT).dup('c'), "a batch");
        float[] dst = new float[src.length];
        for (int row = 0; row < src.length; row += w) {
            for (int j = 0; j < w; j++) dst[row + j] = src[row + w - 1 - j];
        }
        return FloatMemory.array(dst, s).castTo(x.dataType());
    }
}
