package org.reidspark.eval;

/**
 * How to rank: the protocol, the CMC length, the single-gallery-shot draws and the threads.
 *
 * @param protocol see {@link Protocol}
 * @param maxRank  CMC length (capped at the gallery size); 50 in the reference codes
 * @param repeats  single-gallery-shot: random draws averaged per query (10 in torchreid)
 * @param seed     single-gallery-shot: seed of the draws
 * @param threads  worker threads for the per-query pass (1 = the calling thread only)
 */
public record RankingOptions(Protocol protocol, int maxRank, int repeats, long seed, int threads) {
    public RankingOptions {
        if (protocol == null) throw new IllegalArgumentException("protocol is required");
        if (maxRank < 1) throw new IllegalArgumentException("max rank must be >= 1, got " + maxRank);
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    /** Standard protocol, max rank 50, all processors. */
    public static RankingOptions standard() {
        return of(Protocol.STANDARD);
    }

    public static RankingOptions of(Protocol protocol) {
        return new RankingOptions(protocol, 50, 10, 1, Runtime.getRuntime().availableProcessors());
    }

    public RankingOptions withMaxRank(int maxRank) {
        return new RankingOptions(protocol, maxRank, repeats, seed, threads);
    }

    public RankingOptions withThreads(int threads) {
        return new RankingOptions(protocol, maxRank, repeats, seed, threads);
    }

    public RankingOptions withRepeats(int repeats, long seed) {
        return new RankingOptions(protocol, maxRank, repeats, seed, threads);
    }
}
