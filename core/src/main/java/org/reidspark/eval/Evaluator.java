package org.reidspark.eval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.eval.rerank.FeatureDistances;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one call training and evaluation code needs: embeddings and labels in, {@link RankingMetrics} out.
 * Distances are computed block by block (a method's {@link Matching} rule: {@link DistanceBlocks} for one embedding,
 * {@link PartDistances} for visibility-weighted parts) and consumed by a {@link RankingEvaluator} as they come, so
 * the query x gallery matrix never exists whole; with re-ranking on, {@link KReciprocalReranker}
 * runs first on the same blocks. Every protocol of the settings ({@code reid.eval.protocol}, then
 * {@code reid.eval.also-protocols}) gets its own evaluator on the same blocks; the result is the headline protocol's
 * metrics with the others beside them ({@link RankingMetrics#others()}).
 * <pre>
 * RankingMetrics m = Evaluator.evaluate(queryEmb, galleryEmb, queryLabels, galleryLabels, EvalConfig.from(config));
 * double rank1 = m.rank(1), mAP = m.mAP();
 * </pre>
 */
public final class Evaluator {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

    private Evaluator() {
    }

    /** Metrics of query embeddings against gallery embeddings under {@code config}. */
    public static RankingMetrics evaluate(Embeddings query, Embeddings gallery, Labels queryLabels, Labels galleryLabels,
                                          EvalConfig config) {
        return evaluate(query, gallery, queryLabels, galleryLabels, config, null);
    }

    /**
     * As {@link #evaluate(Embeddings, Embeddings, Labels, Labels, EvalConfig)}, and fills {@code rankLists} (made for
     * the same labels; null for none) from the same distance blocks, re-ranked when re-ranking is on.
     */
    public static RankingMetrics evaluate(Embeddings query, Embeddings gallery, Labels queryLabels, Labels galleryLabels,
                                          EvalConfig config, RankLists rankLists) {
        return evaluate(TestFeatures.of(query), TestFeatures.of(gallery), Matching.embedding(config.metric()), queryLabels,
                galleryLabels, config, rankLists, null);
    }

    /** As {@link #evaluate(TestFeatures, TestFeatures, Matching, Labels, Labels, EvalConfig, RankLists, QueryOutcomes)} without per-query outcomes. */
    public static RankingMetrics evaluate(TestFeatures query, TestFeatures gallery, Matching matching, Labels queryLabels,
                                          Labels galleryLabels, EvalConfig config, RankLists rankLists) {
        return evaluate(query, gallery, matching, queryLabels, galleryLabels, config, rankLists, null);
    }

    /**
     * Metrics of query test features against gallery test features under a method's matching rule; fills
     * {@code rankLists} (made for the same labels; null for none) from the same distance blocks, re-ranked when
     * re-ranking is on ({@code reid.eval.metric} applies only where the method's rule uses it), and {@code outcomes}
     * (null for none) with each query's average precision and first-match rank.
     */
    public static RankingMetrics evaluate(TestFeatures query, TestFeatures gallery, Matching matching, Labels queryLabels,
                                          Labels galleryLabels, EvalConfig config, RankLists rankLists, QueryOutcomes outcomes) {
        checkCount(query, queryLabels);
        checkCount(gallery, galleryLabels);
        String what = (config.rerank() ? "re-ranked " : "") + matching.describe() + " of " + query.source() + " to " + gallery.source();
        // one evaluator per protocol, all fed the same distance blocks: the headline first
        List<RankingEvaluator> evaluators = new ArrayList<>();
        for (Protocol p : config.protocols()) {
            evaluators.add(new RankingEvaluator(queryLabels, galleryLabels, config.rankingOptions(p), what));
        }
        if (rankLists != null && (rankLists.queries() != queryLabels.size()
                || rankLists.galleryLabels().size() != galleryLabels.size())) {
            throw new IllegalArgumentException("rank lists for " + rankLists.queries() + " x " + rankLists.galleryLabels().size()
                    + " items, but " + queryLabels.size() + " queries x " + galleryLabels.size() + " gallery images");
        }
        Distances.RowBlockConsumer sink = (r0, n, data) -> {
            for (RankingEvaluator evaluator : evaluators) evaluator.accept(r0, n, data, 0);
            if (rankLists != null) rankLists.accept(r0, n, data, 0);
        };
        try {
            if (config.rerank()) {
                TestFeatures both = TestFeatures.concat(query.source() + " + " + gallery.source(), query, gallery);
                FeatureDistances src = new FeatureDistances(matching.distances(both, both, config.threads()), query.rows(),
                        config.threads());
                config.reranker().rerank(src, sink::accept);
            } else {
                matching.distances(query, gallery, config.threads()).forEachRowBlock(config.blockBytes(), sink);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<RankingMetrics> results = new ArrayList<>();
        for (RankingEvaluator evaluator : evaluators) {
            RankingMetrics m = evaluator.result();
            LOG.info("{}", m.summary());
            results.add(m);
        }
        // the per-query outcomes are the headline protocol's
        if (outcomes != null) outcomes.fill(evaluators.get(0));
        return results.get(0).withOthers(results.subList(1, results.size()));
    }

    /** As {@link #evaluate(Embeddings, Embeddings, Labels, Labels, EvalConfig)} for plain arrays. */
    public static RankingMetrics evaluate(float[][] query, float[][] gallery, Labels queryLabels, Labels galleryLabels,
                                          EvalConfig config) {
        return evaluate(Embeddings.of("query embeddings", query), Embeddings.of("gallery embeddings", gallery),
                queryLabels, galleryLabels, config);
    }

    /**
     * The short form: plain arrays, a protocol, and the reference defaults for everything else ({@code reid.eval} in
     * reference.conf: cosine, max rank 50, no re-ranking). Clothes protocols need {@link Labels} with clothes ids.
     */
    public static RankingMetrics evaluate(float[][] query, float[][] gallery, int[] queryPids, int[] queryCams,
                                          int[] galleryPids, int[] galleryCams, Protocol protocol) {
        EvalConfig config = EvalConfig.from(org.reidspark.config.ConfigLoader.load(
                java.util.List.of("reid.eval.protocol=" + protocol.configName())));
        return evaluate(query, gallery, Labels.of("query", queryPids, queryCams), Labels.of("gallery", galleryPids, galleryCams),
                config);
    }

    /** As {@link #evaluate(Embeddings, Embeddings, Labels, Labels, EvalConfig)} for ND4J matrices (rows = images). */
    public static RankingMetrics evaluate(INDArray query, INDArray gallery, Labels queryLabels, Labels galleryLabels,
                                          EvalConfig config) {
        return evaluate(Embeddings.of("query embeddings", query), Embeddings.of("gallery embeddings", gallery),
                queryLabels, galleryLabels, config);
    }

    /** Metrics of a whole float32 distance matrix ({@code queries x gallery}, row-major). */
    public static RankingMetrics fromDistances(float[] distmat, Labels queryLabels, Labels galleryLabels, RankingOptions options) {
        RankingEvaluator evaluator = new RankingEvaluator(queryLabels, galleryLabels, options, "distance matrix");
        if (distmat.length != (long) queryLabels.size() * galleryLabels.size()) {
            throw new IllegalArgumentException("distance matrix has " + distmat.length + " values, but " + queryLabels.source()
                    + " lists " + queryLabels.size() + " queries and " + galleryLabels.source() + " lists "
                    + galleryLabels.size() + " gallery images");
        }
        evaluator.accept(0, queryLabels.size(), distmat, 0);
        return evaluator.result();
    }

    /** Metrics of a whole float64 distance matrix ({@code queries x gallery}, row-major). */
    public static RankingMetrics fromDistances(double[] distmat, Labels queryLabels, Labels galleryLabels, RankingOptions options) {
        RankingEvaluator evaluator = new RankingEvaluator(queryLabels, galleryLabels, options, "distance matrix");
        if (distmat.length != (long) queryLabels.size() * galleryLabels.size()) {
            throw new IllegalArgumentException("distance matrix has " + distmat.length + " values, but " + queryLabels.source()
                    + " lists " + queryLabels.size() + " queries and " + galleryLabels.source() + " lists "
                    + galleryLabels.size() + " gallery images");
        }
        evaluator.accept(0, queryLabels.size(), distmat, 0);
        return evaluator.result();
    }

    private static void checkCount(TestFeatures e, Labels l) {
        if (e.rows() != l.size()) {
            throw new IllegalArgumentException(e.source() + " has " + e.rows() + " embeddings but " + l.source()
                    + " lists " + l.size() + " images");
        }
    }
}
