package org.reidspark.eval.baseline;

import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.image.Alpha;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.ImageSource;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Metric;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.reidspark.eval.Labels;

import java.util.List;

/**
 * The colour-histogram baseline's ranking quality on a manifest's query and gallery: the floor every learned
 * method is compared with in the same run, and the calibration of the synthetic benchmark's difficulty.
 * Embeddings by {@link ColorHistogramEmbedder}, cosine distance, metrics by the evaluation engine.
 */
public final class HistogramBaseline {
    private HistogramBaseline() {
    }

    /**
     * Metrics under {@code eval} (its protocol, CMC length and re-ranking; the distance is always cosine, the
     * histogram's own). Images come from {@code images} (files, or a shard in memory).
     */
    public static RankingMetrics evaluate(Manifest manifest, ImageSource images, EvalConfig eval) {
        List<Sample> query = manifest.query();
        List<Sample> gallery = manifest.gallery();
        if (query.isEmpty() || gallery.isEmpty()) {
            throw new IllegalArgumentException("dataset " + manifest.dataset() + " at " + manifest.root()
                    + " has no query or no gallery split to evaluate the colour-histogram baseline on");
        }
        ColorHistogramEmbedder embedder = new ColorHistogramEmbedder();
        return evaluate(embedder.embed(query, images), embedder.embed(gallery, images), query, gallery, eval);
    }

    /**
     * Metrics of colour histograms already computed ({@link ColorHistogramEmbedder}, one row per sample) under
     * {@code eval}, by cosine distance.
     */
    public static RankingMetrics evaluate(float[][] queryHistograms, float[][] galleryHistograms, List<Sample> query,
                                          List<Sample> gallery, EvalConfig eval) {
        EvalConfig cosine = eval.withMetric(Metric.COSINE);
        return Evaluator.evaluate(queryHistograms, galleryHistograms, Labels.of("query", query), Labels.of("gallery", gallery),
                cosine);
    }

    /** Metrics under {@code protocol} (CMC to rank 50, no re-ranking), images decoded through {@code storage}. */
    public static RankingMetrics evaluate(Manifest manifest, Storage storage, Protocol protocol) {
        return evaluate(manifest, storage, defaults(protocol));
    }

    /**
     * Metrics under {@code eval}'s protocols (the headline and {@code reid.eval.also-protocols}; CMC to rank 50, no
     * re-ranking), images decoded through {@code storage}: the baseline a training run reports beside its own figures.
     */
    public static RankingMetrics evaluate(Manifest manifest, Storage storage, EvalConfig eval) {
        return evaluate(manifest, ImageSource.decoding(storage, new ImageDecoder(Alpha.DROP),
                ColorHistogramEmbedder.HEIGHT, ColorHistogramEmbedder.WIDTH),
                defaults(eval.protocol()).withAlsoProtocols(eval.alsoProtocols()));
    }

    /** Standard protocol. */
    public static RankingMetrics evaluate(Manifest manifest, Storage storage) {
        return evaluate(manifest, storage, Protocol.STANDARD);
    }

    /** Evaluation settings with the reference codes' defaults (rank 50, no re-ranking, 64 MiB blocks). */
    static EvalConfig defaults(Protocol protocol) {
        return new EvalConfig(protocol, 50, Metric.COSINE, 10, 1, Runtime.getRuntime().availableProcessors(), 64L << 20,
                false, new KReciprocalReranker.Params(20, 6, 0.3), 1024L << 20);
    }
}
