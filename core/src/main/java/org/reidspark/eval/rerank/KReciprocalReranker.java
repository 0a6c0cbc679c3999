package org.reidspark.eval.rerank;

import org.reidspark.eval.Parallel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;

/**
 * k-reciprocal re-ranking (Zhong, Zheng, Cao, Li: "Re-ranking Person Re-identification with k-reciprocal Encoding",
 * CVPR 2017, https://arxiv.org/abs/1701.08398), computing what the authors' {@code re_ranking(q_g_dist, q_q_dist,
 * g_g_dist, k1=20, k2=6, lambda_value=0.3)} computes (the function torchreid, CAL and others copy), without its
 * dense {@code N x N} matrices (N = queries + gallery).
 *
 * <h2>What is computed (the reference's conventions)</h2>
 * <ol>
 *   <li>{@code d(i,j)} = squared given distance, float32 (see {@link CombinedDistances}); each row is divided by its
 *       maximum (float32 division): {@code v(i,j) = d(i,j) / max_k d(i,k)}.</li>
 *   <li>{@code N(i,k)}: the first k items of row i ordered by {@code (v, index)} (i itself normally first).</li>
 *   <li>k-reciprocal set {@code R(i)} = {@code c in N(i,k1+1)} with {@code i in N(c,k1+1)}, in rank order. For
 *       each {@code c in R(i)}, {@code R'(c)} = the same with {@code h+1 = round_half_even(k1/2)+1} neighbours;
 *       if {@code |R'(c) & R(i)| > 2/3 |R'(c)|}, {@code R'(c)} joins the expansion. {@code R*(i)} = the union.</li>
 *   <li>{@code V[i,j] = exp(-v(i,j)) / sum_{j' in R*(i)} exp(-v(i,j'))} for {@code j in R*(i)}, else 0.</li>
 *   <li>Query expansion (if k2 != 1): {@code V[i] <- mean of V[c] over c in N(i,k2)}.</li>
 *   <li>{@code jaccard(i,g) = 1 - s/(2 - s)} with {@code s = sum_j min(V[i,j], V[g,j])}.</li>
 *   <li>{@code final(q,g) = (1 - lambda) jaccard(q,g) + lambda v(q,g)}, for queries q and gallery items g.</li>
 * </ol>
 * <b>Ties</b>: equal values {@code v} are ordered by ascending index (the reference's unstable argsort leaves them
 * in no defined order). Weights and Jaccard sums are computed in double precision (the reference: float32), so
 * results agree with it to about 1e-6. The given query x query and gallery x gallery matrices are taken as
 * symmetric (the reference reads their columns).
 *
 * <h2>How (memory)</h2>
 * <ol>
 *   <li>One streaming pass over the matrix in tiles ({@link CombinedDistances#tiles}; from embeddings only the
 *       upper triangle is computed): per row, the running maximum and the {@code K+8} smallest entries,
 *       {@code K = max(k1+1, k2)}. A row whose selection is ambiguous after the division by the maximum (rounding
 *       merging values at the boundary) is recomputed alone.</li>
 *   <li>Reciprocal sets and expansions from the neighbour lists alone; distances to expansion members outside the
 *       kept entries are fetched as pairs ({@link CombinedDistances#gather}).</li>
 *   <li>Sparse rows of V and of the expanded V; an inverted index (column -&gt; gallery rows) of the expanded V.</li>
 *   <li>Final distances for blocks of queries, handed to a consumer as they are produced.</li>
 * </ol>
 * Memory is {@code 12 N (K+8) + 8 nnz(V) + 16 nnz(expanded V)} bytes plus one tile and one block of final rows,
 * besides the source (the embeddings, or the query x gallery and query x query matrices of {@link MatrixDistances},
 * whose gallery x gallery rows may be streamed) and, when it fits {@code cacheBytes}, the query x gallery squared
 * distances kept from the tile pass (4 nq ng bytes). {@code nnz(V) <= N (k1+1)(h+2)} and
 * {@code nnz(expanded V) <= k2 nnz(V)}; on the Market-sized benchmark (N = 19,281) they are about 22 N and 54 N,
 * some 27 MB in all, against the reference's four dense {@code N x N} arrays (about 6 GB).
 */
public final class KReciprocalReranker {
    private static final Logger LOG = LoggerFactory.getLogger(KReciprocalReranker.class);
    /** Extra neighbours kept per row so the division by the row maximum can be checked for merged ties. */
    static final int EXTRA = 8;

    /**
     * The method's parameters.
     *
     * @param k1     neighbourhood of the k-reciprocal sets (20)
     * @param k2     neighbourhood of the query expansion (6); 1 turns it off
     * @param lambda weight of the original distance in the final one (0.3)
     */
    public record Params(int k1, int k2, double lambda) {
        public Params {
            if (k1 < 1) throw new IllegalArgumentException("re-ranking k1 must be >= 1, got " + k1);
            if (k2 < 1) throw new IllegalArgumentException("re-ranking k2 must be >= 1, got " + k2);
            if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("re-ranking lambda must be in [0, 1], got " + lambda);
        }

        /** The values used everywhere: k1 20, k2 6, lambda 0.3. */
        public static Params defaults() {
            return new Params(20, 6, 0.3);
        }
    }

    /** Receives the final distances, a block of whole query rows (rows x gallery, row-major) at a time. */
    public interface FinalRows {
        void accept(int firstQuery, int rows, float[] data) throws IOException;
    }

    /**
     * What a run did, for logs and tests.
     *
     * @param rowsRecomputed rows whose neighbour selection was ambiguous after normalization and was redone
     * @param pairsFetched   distances fetched as pairs for expansion members outside the kept neighbours
     * @param nonZerosV      non-zeros of V before query expansion
     * @param nonZerosExpanded non-zeros of V after query expansion
     * @param structureBytes bytes of the sparse structures and neighbour lists
     * @param seconds        wall time of the four passes: neighbours, sets and weights, expansion and index, final
     */
    public record Stats(long rowsRecomputed, long pairsFetched, long nonZerosV, long nonZerosExpanded, long structureBytes,
                        double[] seconds) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "neighbours %.2f s, sets and weights %.2f s, expansion and index"
                            + " %.2f s, final %.2f s; %d rows recomputed, %d pairs fetched, nnz(V) %d, nnz(expanded V) %d,"
                            + " %.1f MB of structures", seconds[0], seconds[1], seconds[2], seconds[3], rowsRecomputed,
                    pairsFetched, nonZerosV, nonZerosExpanded, structureBytes / 1e6);
        }
    }

    private final Params params;
    private final int threads;
    private final long tileBytes;
    private final long cacheBytes;

    /**
     * @param threads    worker threads for the Java passes
     * @param tileBytes  bytes of one tile of distances (and of one block of final distances)
     * @param cacheBytes keep the query x gallery distances between passes when they fit this many bytes
     */
    public KReciprocalReranker(Params params, int threads, long tileBytes, long cacheBytes) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (tileBytes < 4) throw new IllegalArgumentException("tile bytes must be >= 4, got " + tileBytes);
        this.params = params;
        this.threads = threads;
        this.tileBytes = tileBytes;
        this.cacheBytes = cacheBytes;
    }

    public Params params() {
        return params;
    }

    /** Re-ranks and returns the whole {@code queries x gallery} final matrix (only for sizes that fit an array). */
    public float[] rerank(CombinedDistances src) throws IOException {
        long size = (long) src.queries() * src.gallery();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a " + src.queries() + " x " + src.gallery()
                    + " result does not fit one array; use rerank(source, consumer)");
        }
        float[] all = new float[(int) size];
        int ng = src.gallery();
        rerank(src, (q0, n, data) -> System.arraycopy(data, 0, all, q0 * ng, n * ng));
        return all;
    }

    /** Re-ranks, handing the final distances to {@code sink} in blocks of query rows. */
    public Stats rerank(CombinedDistances src, FinalRows sink) throws IOException {
        return new Run(src).run(sink);
    }

    /** The state of one re-ranking. */
    private final class Run {
        final CombinedDistances src;
        final int nq;
        final int ng;
        final int n;
        final int kNeighbours;
        final int cap;
        final float[] candD;
        final int[] candIdx;
        final int[] candCount;
        final float[] rowMax;
        final float[] candV;
        final float[] qgCache;
        long recomputed;
        long pairs;

        Run(CombinedDistances src) {
            this.src = src;
            this.nq = src.queries();
            this.ng = src.gallery();
            this.n = nq + ng;
            if (nq == 0 || ng == 0) throw new IllegalArgumentException(src.describe() + ": re-ranking needs queries and gallery");
            this.kNeighbours = Math.min(n, Math.max(params.k1() + 1, params.k2()));
            this.cap = Math.min(n, kNeighbours + EXTRA);
            long slots = Math.multiplyExact((long) n, cap);
            if (slots > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many items to re-rank: " + n);
            candD = new float[(int) slots];
            candIdx = new int[(int) slots];
            candCount = new int[n];
            rowMax = new float[n];
            candV = new float[(int) slots];
            long qgBytes = 4L * nq * ng;
            qgCache = !src.rowsAreCheap() && qgBytes <= cacheBytes && (long) nq * ng <= Integer.MAX_VALUE - 8
                    ? new float[nq * ng] : null;
        }

        Stats run(FinalRows sink) throws IOException {
            long t0 = System.nanoTime();
            selectNeighbours();
            long t1 = System.nanoTime();
            int[][] expansion = expansions();
            float[][] weights = weights(expansion);
            long nnzV = 0;
            for (int[] e : expansion) nnzV += e.length;
            long t2 = System.nanoTime();
            Sparse v = new Sparse(expansion, weights);
            Sparse vqe = params.k2() != 1 ? expand(v) : v;
            Inverted inv = new Inverted(vqe, nq, n);
            long t3 = System.nanoTime();
            finalDistances(vqe, inv, sink);
            long t4 = System.nanoTime();
            long structure = 4L * candD.length * 3 + 8L * n + nnzV * 8 + vqe.nonZeros() * 8 + inv.bytes()
                    + (qgCache == null ? 0 : 4L * qgCache.length);
            Stats stats = new Stats(recomputed, pairs, nnzV, vqe.nonZeros(), structure,
                    new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9});
            LOG.info("re-ranking {}: {}", src.describe(), stats);
            return stats;
        }

        // ---- 1. neighbours ------------------------------------------------------------------------------------

        void selectNeighbours() throws IOException {
            Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
            float[][] transposed = new float[1][];
            src.tiles(tileBytes, (r0, nr, c0, nc, sq, mirrored) -> {
                Parallel.forChunks(threads, nr, 16, () -> null, (from, to, s) -> {
                    for (int i = from; i < to; i++) {
                        scanRow(r0 + i, sq, i * nc, c0, nc);
                        cacheQueryRows(r0 + i, sq, i * nc, c0, nc);
                    }
                });
                if (mirrored) {
                    if (transposed[0] == null || transposed[0].length < nr * nc) transposed[0] = new float[nr * nc];
                    float[] t = transposed[0];
                    transpose(sq, nr, nc, t);
                    Parallel.forChunks(threads, nc, 16, () -> null, (from, to, s) -> {
                        for (int j = from; j < to; j++) {
                            scanRow(c0 + j, t, j * nr, r0, nr);
                            cacheQueryRows(c0 + j, t, j * nr, r0, nr);
                        }
                    });
                }
            });
            Parallel.forChunks(threads, n, 64, () -> null, (from, to, unused) -> {
                for (int i = from; i < to; i++) normalizeRow(i);
            });
            // Rows whose boundary is ambiguous after normalization: recompute them alone.
            int[] redo = java.util.stream.IntStream.range(0, n).filter(i -> candCount[i] < 0).toArray();
            if (redo.length > 0) {
                float[] row = new float[n];
                for (int i : redo) {
                    src.rows(i, 1, row);
                    exactRow(i, row);
                }
                recomputed += redo.length;
            }
        }

        void transpose(float[] a, int rows, int cols, float[] t) {
            final int b = 64;
            int blocks = (rows + b - 1) / b;
            Parallel.forChunks(threads, blocks, 1, () -> null, (from, to, s) -> {
                for (int bi = from; bi < to; bi++) {
                    int i0 = bi * b;
                    int i1 = Math.min(rows, i0 + b);
                    for (int j0 = 0; j0 < cols; j0 += b) {
                        int j1 = Math.min(cols, j0 + b);
                        for (int i = i0; i < i1; i++) {
                            for (int j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j];
                        }
                    }
                }
            });
        }

        /** Folds one row segment (columns c0.., nc values from data[off..]) into row i's maximum and candidates. */
        void scanRow(int i, float[] data, int off, int c0, int nc) {
            float mx = rowMax[i];
            int base = i * cap;
            int count = candCount[i];
            float worst = count == cap ? candD[base + cap - 1] : Float.POSITIVE_INFINITY;
            int worstIdx = count == cap ? candIdx[base + cap - 1] : Integer.MAX_VALUE;
            for (int j = 0; j < nc; j++) {
                float s = data[off + j];
                if (!(s <= mx)) {
                    if (s != s) throw new IllegalArgumentException(src.describe() + ": NaN distance between items "
                            + i + " and " + (c0 + j));
                    mx = s;
                }
                if (s < worst || (s == worst && c0 + j < worstIdx)) {
                    count = insert(base, count, s, c0 + j);
                    if (count == cap) {
                        worst = candD[base + cap - 1];
                        worstIdx = candIdx[base + cap - 1];
                    }
                }
            }
            rowMax[i] = mx;
            candCount[i] = count;
        }

        /** Inserts (s, col) into the sorted candidate list at base; returns the new count. */
        int insert(int base, int count, float s, int col) {
            int pos = count < cap ? count : cap - 1;
            while (pos > 0) {
                float d = candD[base + pos - 1];
                if (d > s || (d == s && candIdx[base + pos - 1] > col)) {
                    candD[base + pos] = d;
                    candIdx[base + pos] = candIdx[base + pos - 1];
                    pos--;
                } else {
                    break;
                }
            }
            candD[base + pos] = s;
            candIdx[base + pos] = col;
            return count < cap ? count + 1 : count;
        }

        /**
         * Divides row i's candidates by the row maximum (float32, as the reference) and re-sorts them by
         * (v, index). Marks the row for recomputation (candCount = -1) when an item outside the candidates could
         * tie with the k-th neighbour after the division.
         */
        void normalizeRow(int i) {
            float m = rowMax[i];
            if (!(m > 0) || Float.isInfinite(m)) {
                throw new IllegalArgumentException(src.describe() + ": item " + i + (Float.isInfinite(m)
                        ? " has an infinite distance; re-ranking needs finite distances"
                        : " is at distance 0 from every item; re-ranking divides by each row's largest distance"));
            }
            int base = i * cap;
            for (int k = 0; k < cap; k++) candV[base + k] = candD[base + k] / m;
            float lastV = candV[base + cap - 1];
            sortByValueThenIndex(candV, candIdx, base, cap);
            if (cap < n && !(lastV > candV[base + kNeighbours - 1])) candCount[i] = -1;
        }

        /** Exact selection for row i from its whole row of squared distances. */
        void exactRow(int i, float[] row) {
            float m = rowMax[i];
            int base = i * cap;
            int count = 0;
            for (int j = 0; j < n; j++) {
                float v = row[j] / m;
                if (count < cap || v < candV[base + cap - 1] || (v == candV[base + cap - 1] && j < candIdx[base + cap - 1])) {
                    int pos = count < cap ? count : cap - 1;
                    while (pos > 0 && (candV[base + pos - 1] > v
                            || (candV[base + pos - 1] == v && candIdx[base + pos - 1] > j))) {
                        candV[base + pos] = candV[base + pos - 1];
                        candIdx[base + pos] = candIdx[base + pos - 1];
                        pos--;
                    }
                    candV[base + pos] = v;
                    candIdx[base + pos] = j;
                    if (count < cap) count++;
                }
            }
            candCount[i] = count;
        }

        /** Neighbour t (0-based, t < kNeighbours) of row i. */
        int neighbour(int i, int t) {
            return candIdx[i * cap + t];
        }

        boolean inTop(int c, int i, int k) {
            int base = c * cap;
            for (int t = 0; t < k; t++) if (candIdx[base + t] == i) return true;
            return false;
        }

        // ---- 2. reciprocal sets, expansions, weights ----------------------------------------------------------

        int[][] expansions() {
            int k1 = params.k1();
            int forward = Math.min(n, k1 + 1);
            int half = (int) Math.rint(k1 / 2.0);
            int halfForward = Math.min(n, half + 1);
            int[][] exp = new int[n][];
            Parallel.forChunks(threads, n, 64, () -> new int[forward + forward * halfForward], (from, to, buf) -> {
                int[] r = new int[forward];
                int[] cand = new int[halfForward];
                for (int i = from; i < to; i++) {
                    int nr = 0;
                    for (int t = 0; t < forward; t++) {
                        int c = neighbour(i, t);
                        if (inTop(c, i, forward)) r[nr++] = c;
                    }
                    int size = 0;
                    for (int t = 0; t < nr; t++) buf[size++] = r[t];
                    for (int t = 0; t < nr; t++) {
                        int c = r[t];
                        int nc = 0;
                        for (int u = 0; u < halfForward; u++) {
                            int x = neighbour(c, u);
                            if (inTop(x, c, halfForward)) cand[nc++] = x;
                        }
                        int common = 0;
                        for (int u = 0; u < nc; u++) {
                            for (int w = 0; w < nr; w++) {
                                if (r[w] == cand[u]) {
                                    common++;
                                    break;
                                }
                            }
                        }
                        // The reference's test, in the same double arithmetic: common > 2./3 * len.
                        if (common > 2. / 3 * nc) {
                            for (int u = 0; u < nc; u++) buf[size++] = cand[u];
                        }
                    }
                    int[] e = Arrays.copyOf(buf, size);
                    Arrays.sort(e);
                    int u = 0;
                    for (int w = 0; w < e.length; w++) if (w == 0 || e[w] != e[w - 1]) e[u++] = e[w];
                    exp[i] = Arrays.copyOf(e, u);
                }
            });
            return exp;
        }

        /** Normalized weights of each row's expansion set; fetches distances not among the kept candidates. */
        float[][] weights(int[][] exp) throws IOException {
            float[][] v = new float[n][];
            int[][] missing = new int[n][];
            Parallel.forChunks(threads, n, 64, () -> null, (from, to, s) -> {
                for (int i = from; i < to; i++) {
                    int[] e = exp[i];
                    float[] vi = new float[e.length];
                    int nMiss = 0;
                    int[] miss = null;
                    int base = i * cap;
                    for (int k = 0; k < e.length; k++) {
                        int t = 0;
                        while (t < cap && candIdx[base + t] != e[k]) t++;
                        if (t < cap) {
                            vi[k] = candV[base + t];
                        } else {
                            vi[k] = Float.NaN;
                            if (miss == null) miss = new int[e.length];
                            miss[nMiss++] = e[k];
                        }
                    }
                    v[i] = vi;
                    if (miss != null) missing[i] = Arrays.copyOf(miss, nMiss);
                }
            });
            float[][] fetched = new float[n][];
            long count = 0;
            for (int i = 0; i < n; i++) {
                if (missing[i] != null) {
                    fetched[i] = new float[missing[i].length];
                    count += missing[i].length;
                }
            }
            pairs += count;
            if (count > 0) src.gather(missing, fetched);
            float[][] w = new float[n][];
            for (int i = 0; i < n; i++) {
                float[] vi = v[i];
                if (missing[i] != null) {
                    int f = 0;
                    for (int k = 0; k < vi.length; k++) {
                        if (Float.isNaN(vi[k])) vi[k] = fetched[i][f++] / rowMax[i];
                    }
                }
                double sum = 0;
                double[] ex = new double[vi.length];
                for (int k = 0; k < vi.length; k++) {
                    ex[k] = Math.exp(-(double) vi[k]);
                    sum += ex[k];
                }
                float[] wi = new float[vi.length];
                for (int k = 0; k < vi.length; k++) wi[k] = (float) (ex[k] / sum);
                w[i] = wi;
            }
            return w;
        }

        // ---- 3. query expansion and the inverted index ----------------------------------------------------------

        Sparse expand(Sparse v) {
            int k2 = Math.min(params.k2(), n);
            int[][] idx = new int[n][];
            float[][] val = new float[n][];
            Parallel.forChunks(threads, n, 64, () -> new double[n], (from, to, acc) -> {
                int[] touched = new int[0];
                for (int i = from; i < to; i++) {
                    int cnt = 0;
                    for (int t = 0; t < k2; t++) {
                        int c = neighbour(i, t);
                        int[] ci = v.idx[c];
                        float[] cv = v.val[c];
                        for (int k = 0; k < ci.length; k++) {
                            if (acc[ci[k]] == 0) {
                                if (cnt == touched.length) touched = Arrays.copyOf(touched, Math.max(64, cnt * 2));
                                touched[cnt++] = ci[k];
                            }
                            acc[ci[k]] += cv[k];
                        }
                    }
                    int[] ii = Arrays.copyOf(touched, cnt);
                    Arrays.sort(ii);
                    float[] vv = new float[cnt];
                    for (int k = 0; k < cnt; k++) {
                        vv[k] = (float) (acc[ii[k]] / k2);
                        acc[ii[k]] = 0;
                    }
                    idx[i] = ii;
                    val[i] = vv;
                }
            });
            return new Sparse(idx, val);
        }

        // ---- 4. final distances ---------------------------------------------------------------------------------

        void finalDistances(Sparse vqe, Inverted inv, FinalRows sink) throws IOException {
            int per = (int) Math.max(1, Math.min(nq, tileBytes / (4L * ng)));
            float[] block = new float[per * ng];
            float[] rowsBuf = qgCache == null ? new float[per * n] : null;
            double lambda = params.lambda();
            for (int q0 = 0; q0 < nq; q0 += per) {
                int k = Math.min(per, nq - q0);
                if (rowsBuf != null) src.rows(q0, k, rowsBuf);
                final int first = q0;
                Parallel.forChunks(threads, k, 4, () -> new double[ng], (from, to, tm) -> {
                    for (int r = from; r < to; r++) {
                        int i = first + r;
                        int[] ci = vqe.idx[i];
                        float[] cv = vqe.val[i];
                        for (int t = 0; t < ci.length; t++) {
                            int c = ci[t];
                            float a = cv[t];
                            for (int p = inv.start[c]; p < inv.start[c + 1]; p++) {
                                float b = inv.val[p];
                                tm[inv.row[p]] += a < b ? a : b;
                            }
                        }
                        float m = rowMax[i];
                        int out = r * ng;
                        for (int g = 0; g < ng; g++) {
                            float sq = qgCache != null ? qgCache[i * ng + g] : rowsBuf[r * n + nq + g];
                            float orig = sq / m;
                            double s = tm[g];
                            double jac = 1 - s / (2 - s);
                            block[out + g] = (float) ((1 - lambda) * jac + lambda * orig);
                            tm[g] = 0;
                        }
                    }
                });
                sink.accept(q0, k, block);
            }
        }

        void cacheQueryRows(int i, float[] data, int off, int c0, int nc) {
            if (qgCache == null || i >= nq) return;
            int from = Math.max(c0, nq);
            int to = c0 + nc;
            if (from >= to) return;
            System.arraycopy(data, off + (from - c0), qgCache, i * ng + (from - nq), to - from);
        }
    }

    /** Stable insertion sort of (v, index) pairs in place; lists are short and nearly sorted. */
    static void sortByValueThenIndex(float[] v, int[] idx, int base, int len) {
        for (int a = base + 1; a < base + len; a++) {
            float x = v[a];
            int xi = idx[a];
            int b = a - 1;
            while (b >= base && (v[b] > x || (v[b] == x && idx[b] > xi))) {
                v[b + 1] = v[b];
                idx[b + 1] = idx[b];
                b--;
            }
            v[b + 1] = x;
            idx[b + 1] = xi;
        }
    }

    /** Rows of a sparse matrix: sorted column indices and values. */
    private static final class Sparse {
        final int[][] idx;
        final float[][] val;

        Sparse(int[][] idx, float[][] val) {
            this.idx = idx;
            this.val = val;
        }

        long nonZeros() {
            long s = 0;
            for (int[] r : idx) s += r.length;
            return s;
        }
    }

    /** Column -&gt; (gallery row, value) of a sparse matrix, restricted to the gallery rows (nq..n-1). */
    private static final class Inverted {
        final int[] start;
        final int[] row;
        final float[] val;

        Inverted(Sparse m, int nq, int n) {
            start = new int[n + 1];
            long total = 0;
            for (int r = nq; r < n; r++) {
                for (int c : m.idx[r]) start[c + 1]++;
                total += m.idx[r].length;
            }
            if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("re-ranking index too large: " + total);
            for (int c = 0; c < n; c++) start[c + 1] += start[c];
            row = new int[(int) total];
            val = new float[(int) total];
            int[] fill = Arrays.copyOf(start, n);
            for (int r = nq; r < n; r++) {
                int[] ci = m.idx[r];
                float[] cv = m.val[r];
                for (int k = 0; k < ci.length; k++) {
                    int p = fill[ci[k]]++;
                    row[p] = r - nq;
                    val[p] = cv[k];
                }
            }
        }

        long bytes() {
            return 4L * start.length + 8L * row.length;
        }
    }

    private static String secs(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e9);
    }
}
