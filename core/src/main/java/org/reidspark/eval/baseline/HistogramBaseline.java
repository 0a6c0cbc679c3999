package org.reidspark.eval.baseline;

import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.eval.baseline.ReferenceRanking.Metrics;
import org.reidspark.eval.baseline.ReferenceRanking.Protocol;

/**
 * The colour-histogram baseline's ranking quality on a manifest's query and gallery: the floor every learned
 * method is compared with in the same run, and the calibration of the synthetic benchmark's difficulty.
 */
public final class HistogramBaseline {
    private HistogramBaseline() {
    }

    /** mAP and Rank-1 of {@link ColorHistogramEmbedder} embeddings under {@code protocol}. */
    public static Metrics evaluate(Manifest manifest, Storage storage, Protocol protocol) {
        ColorHistogramEmbedder embedder = new ColorHistogramEmbedder();
        double[][] q = embedder.embed(manifest.query(), storage);
        double[][] g = embedder.embed(manifest.gallery(), storage);
        return ReferenceRanking.evaluate(q, manifest.query(), g, manifest.gallery(), protocol);
    }

    /** Standard protocol. */
    public static Metrics evaluate(Manifest manifest, Storage storage) {
        return evaluate(manifest, storage, Protocol.STANDARD);
    }
}
