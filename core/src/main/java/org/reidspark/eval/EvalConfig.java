package org.reidspark.eval;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.eval.rerank.KReciprocalReranker;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code reid.eval}: how embeddings or distances are turned into ranking metrics.
 *
 * @param protocol       {@code reid.eval.protocol}
 * @param maxRank        {@code reid.eval.max-rank}
 * @param metric         {@code reid.eval.metric}
 * @param repeats        {@code reid.eval.repeats} (single-gallery-shot draws)
 * @param seed           {@code reid.run.seed} (seeds the single-gallery-shot draws)
 * @param threads        {@code reid.eval.threads}, 0 resolved to the number of processors
 * @param blockBytes     {@code reid.eval.block-mb} in bytes: one block or tile of distances
 * @param rerank         {@code reid.eval.rerank.enabled}
 * @param rerankParams   {@code reid.eval.rerank.k1}, {@code k2}, {@code lambda}
 * @param rerankCacheBytes {@code reid.eval.rerank.cache-mb} in bytes
 * @param alsoProtocols  {@code reid.eval.also-protocols}: further protocols computed from the same distance blocks
 *                       and reported beside {@code protocol} (the headline), e.g. same-clothes beside
 *                       clothes-changing; none may repeat or equal the headline ({@link #from} leaves the
 *                       headline out of the configured list)
 */
public record EvalConfig(Protocol protocol, int maxRank, Metric metric, int repeats, long seed, int threads,
                         long blockBytes, boolean rerank, KReciprocalReranker.Params rerankParams, long rerankCacheBytes,
                         List<Protocol> alsoProtocols) {
    /** Settings with the headline protocol only. */
    public EvalConfig(Protocol protocol, int maxRank, Metric metric, int repeats, long seed, int threads,
                      long blockBytes, boolean rerank, KReciprocalReranker.Params rerankParams, long rerankCacheBytes) {
        this(protocol, maxRank, metric, repeats, seed, threads, blockBytes, rerank, rerankParams, rerankCacheBytes, List.of());
    }

    public EvalConfig {
        Check.positive("reid.eval.max-rank", maxRank);
        Check.positive("reid.eval.repeats", repeats);
        Check.positive("reid.eval.threads", threads);
        if (blockBytes < 4) throw org.reidspark.config.ConfigError.badValue("reid.eval.block-mb", blockBytes / (1 << 20), "a positive integer");
        if (rerankCacheBytes < 0) throw org.reidspark.config.ConfigError.badValue("reid.eval.rerank.cache-mb", rerankCacheBytes >> 20, "an integer >= 0");
        if (protocol == null || metric == null || rerankParams == null) throw new IllegalArgumentException("protocol, metric and re-ranking parameters are required");
        alsoProtocols = List.copyOf(alsoProtocols);
        for (int i = 0; i < alsoProtocols.size(); i++) {
            Protocol p = alsoProtocols.get(i);
            if (p == protocol || alsoProtocols.subList(0, i).contains(p)) {
                throw ConfigError.badValue("reid.eval.also-protocols", alsoProtocols.stream().map(Protocol::configName).toList(),
                        "protocols other than reid.eval.protocol (" + protocol + "), each at most once");
            }
        }
    }

    public static EvalConfig from(Config c) {
        Protocol protocol = byName("reid.eval.protocol", c.getString("reid.eval.protocol"), Protocol::byName);
        Metric metric = byName("reid.eval.metric", c.getString("reid.eval.metric"), Metric::byName);
        int threads = Check.nonNegative("reid.eval.threads", c.getInt("reid.eval.threads"));
        if (threads == 0) threads = Runtime.getRuntime().availableProcessors();
        int blockMb = Check.positive("reid.eval.block-mb", c.getInt("reid.eval.block-mb"));
        int k1 = Check.positive("reid.eval.rerank.k1", c.getInt("reid.eval.rerank.k1"));
        int k2 = Check.positive("reid.eval.rerank.k2", c.getInt("reid.eval.rerank.k2"));
        double lambda = Check.inRange("reid.eval.rerank.lambda", c.getDouble("reid.eval.rerank.lambda"), 0, 1);
        int cacheMb = Check.nonNegative("reid.eval.rerank.cache-mb", c.getInt("reid.eval.rerank.cache-mb"));
        List<Protocol> also = new ArrayList<>();
        for (String name : c.getStringList("reid.eval.also-protocols")) {
            Protocol p = byName("reid.eval.also-protocols", name, Protocol::byName);
            if (p != protocol) also.add(p); // the headline (e.g. chosen with --protocol) is evaluated anyway
        }
        return new EvalConfig(protocol, Check.positive("reid.eval.max-rank", c.getInt("reid.eval.max-rank")), metric,
                Check.positive("reid.eval.repeats", c.getInt("reid.eval.repeats")), c.getLong("reid.run.seed"), threads,
                (long) blockMb << 20, c.getBoolean("reid.eval.rerank.enabled"), new KReciprocalReranker.Params(k1, k2, lambda),
                (long) cacheMb << 20, also);
    }

    /** Every protocol evaluated: the headline first, then {@link #alsoProtocols}. */
    public List<Protocol> protocols() {
        List<Protocol> all = new ArrayList<>();
        all.add(protocol);
        all.addAll(alsoProtocols);
        return List.copyOf(all);
    }

    /** These settings with other further protocols. */
    public EvalConfig withAlsoProtocols(List<Protocol> also) {
        return new EvalConfig(protocol, maxRank, metric, repeats, seed, threads, blockBytes, rerank, rerankParams,
                rerankCacheBytes, also);
    }

    /** These settings with another metric. */
    public EvalConfig withMetric(Metric m) {
        return new EvalConfig(protocol, maxRank, m, repeats, seed, threads, blockBytes, rerank, rerankParams,
                rerankCacheBytes, alsoProtocols);
    }

    private static <T> T byName(String key, String value, java.util.function.Function<String, T> lookup) {
        try {
            return lookup.apply(value);
        } catch (ConfigError e) {
            throw new ConfigError("config key '" + key + "': " + e.getMessage());
        }
    }

    /** The ranking options these settings imply (the headline protocol). */
    public RankingOptions rankingOptions() {
        return rankingOptions(protocol);
    }

    /** The ranking options these settings imply under {@code p}. */
    public RankingOptions rankingOptions(Protocol p) {
        return new RankingOptions(p, maxRank, repeats, seed, threads);
    }

    /** The re-ranker these settings imply. */
    public KReciprocalReranker reranker() {
        return new KReciprocalReranker(rerankParams, threads, blockBytes, rerankCacheBytes);
    }
}
