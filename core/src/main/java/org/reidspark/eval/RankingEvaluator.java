package org.reidspark.eval;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * Ranking metrics (CMC, mAP, mINP) from a query x gallery distance matrix delivered in blocks of whole rows,
 * so the full matrix never has to exist: feed it row blocks as they are computed or read with
 * {@link #accept(int, int, float[], int)}, then call {@link #result()}.
 *
 * <h2>Definitions (those of torchreid's {@code eval_market1501}, fast-reid's {@code evaluate_rank} and CAL)</h2>
 * For each query, the gallery is ordered by ascending distance; items that are junk under the {@link Protocol}
 * are removed. A query without a true match left is skipped (not counted); if no query is valid that is an error.
 * With the true matches at (1-based) ranks r_1 &lt; ... &lt; r_m of the junk-free list:
 * <ul>
 *   <li>CMC: {@code cmc[k-1]} = fraction of valid queries with r_1 &le; k, for k = 1..min(maxRank, gallery size).
 *       (Where removal leaves a list shorter than k, the reference codes would produce ragged rows; here
 *       such a valid query counts as a hit at every k &ge; r_1.)</li>
 *   <li>AP = (1/m) &Sigma;_i i / r_i (non-interpolated); mAP = its mean over valid queries.</li>
 *   <li>INP = m / r_m (fast-reid); mINP = its mean over valid queries.</li>
 * </ul>
 * <b>Ties</b>: items with equal distances are ordered by ascending gallery index (the reference codes' unstable
 * argsort leaves them in no defined order). NaN distances are an error; infinities are ordinary values.
 *
 * <h2>Single-gallery-shot (CUHK03)</h2>
 * As torchreid's {@code eval_cuhk03}: per valid query and per repeat, one item is drawn uniformly from the
 * junk-free gallery items of every person (for the query's own person: from its true matches), the drawn
 * items are ranked, and the CMC of that list is averaged over repeats, then over queries. The draws use
 * {@code SplittableRandom(seed mixed with the query index)}: per repeat, first the true match (index into the
 * query's true matches in gallery order), then one item per other person in ascending pid order. mAP and mINP
 * use the whole gallery, as in torchreid.
 *
 * <h2>Cost</h2>
 * No row is sorted. Per query, the true matches (found from a pid index of the gallery, not by scanning) are
 * sorted; one pass over the row then counts, for each true match, the non-matches ahead of it, looking closer
 * only at items no farther than the last true match (by binary search over the true matches, or, once a query has
 * many such items, through a table of distance bins). Time O(gallery + m log m) per query, memory O(gallery) for the
 * index plus 20 bytes per query for the results. Rows of a block are processed on {@code threads} threads.
 *
 * <p>Not thread-safe: call {@code accept} from one thread at a time (each call is parallel inside).
 */
public final class RankingEvaluator {
    private static final int PENDING = -2;
    private static final int INVALID = -1;

    private final Labels query;
    private final Labels gallery;
    private final RankingOptions options;
    private final String distances;
    private final int nq;
    private final int ng;
    private final Protocol protocol;
    private final Map<Integer, int[]> galleryByPid;
    private final int largestGroup;
    private final int[] groupPid;
    private final int[] groupStart;
    private final int[] groupItems;
    private final int[] firstHit;
    private final double[] ap;
    private final double[] inp;
    private final int[] sgsRank;
    private int delivered;

    /**
     * @param distances what the distances are (e.g. "distance matrix D.npy"), for error messages
     */
    public RankingEvaluator(Labels query, Labels gallery, RankingOptions options, String distances) {
        this.query = query;
        this.gallery = gallery;
        this.options = options;
        this.distances = distances == null ? "distance matrix" : distances;
        this.protocol = options.protocol();
        this.nq = query.size();
        this.ng = gallery.size();
        if (ng == 0) throw new IllegalArgumentException(gallery.source() + ": the gallery is empty");
        if (protocol.needsClothes()) {
            for (Labels l : new Labels[] {query, gallery}) {
                if (!l.hasClothes()) {
                    throw new IllegalArgumentException("protocol " + protocol + " needs clothes ids, but " + l.source()
                            + " has none (add a clothes column)");
                }
            }
        }
        Map<Integer, int[]> counts = new HashMap<>();
        for (int pid : gallery.pids()) counts.computeIfAbsent(pid, k -> new int[1])[0]++;
        int[] pidsSorted = counts.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        groupPid = pidsSorted;
        groupStart = new int[pidsSorted.length + 1];
        Map<Integer, Integer> groupOf = new HashMap<>();
        int largest = 0;
        for (int g = 0; g < pidsSorted.length; g++) {
            int size = counts.get(pidsSorted[g])[0];
            groupStart[g + 1] = groupStart[g] + size;
            groupOf.put(pidsSorted[g], g);
            largest = Math.max(largest, size);
        }
        largestGroup = largest;
        groupItems = new int[ng];
        int[] fill = Arrays.copyOf(groupStart, pidsSorted.length);
        int[] gp = gallery.pids();
        for (int j = 0; j < ng; j++) groupItems[fill[groupOf.get(gp[j])]++] = j;
        galleryByPid = new HashMap<>();
        for (int g = 0; g < pidsSorted.length; g++) {
            galleryByPid.put(pidsSorted[g], Arrays.copyOfRange(groupItems, groupStart[g], groupStart[g + 1]));
        }
        firstHit = new int[nq];
        Arrays.fill(firstHit, PENDING);
        ap = new double[nq];
        inp = new double[nq];
        sgsRank = protocol == Protocol.SINGLE_GALLERY_SHOT ? new int[Math.multiplyExact(nq, options.repeats())] : null;
    }

    public int queries() {
        return nq;
    }

    public int gallery() {
        return ng;
    }

    /**
     * Fails unless a {@code rows x cols} matrix fits these labels (rows = queries, columns = gallery); the
     * message names the matrix and both label sources.
     */
    public void checkShape(long rows, long cols) {
        if (rows != nq || cols != ng) {
            throw new IllegalArgumentException(distances + " is " + rows + " x " + cols + " (queries x gallery), but "
                    + query.source() + " lists " + nq + " queries and " + gallery.source() + " lists " + ng
                    + " gallery images");
        }
    }

    /**
     * Consumes distance rows {@code firstQuery .. firstQuery+rows-1}: row i's distance to gallery item j is at
     * {@code data[offset + (i - firstQuery) * gallery() + j]}.
     */
    public void accept(int firstQuery, int rows, float[] data, int offset) {
        checkBlock(firstQuery, rows, data.length, offset);
        Parallel.forChunks(options.threads(), rows, 8, this::scratch, (from, to, s) -> {
            for (int r = from; r < to; r++) {
                rowFloat(firstQuery + r, data, offset + (long) r * ng, s);
            }
        });
        delivered += rows;
    }

    /** As {@link #accept(int, int, float[], int)} for float64 distances (no precision is lost). */
    public void accept(int firstQuery, int rows, double[] data, int offset) {
        checkBlock(firstQuery, rows, data.length, offset);
        Parallel.forChunks(options.threads(), rows, 8, this::scratch, (from, to, s) -> {
            for (int r = from; r < to; r++) {
                rowDouble(firstQuery + r, data, offset + (long) r * ng, s);
            }
        });
        delivered += rows;
    }

    private void checkBlock(int firstQuery, int rows, int length, int offset) {
        if (firstQuery < 0 || rows < 0 || firstQuery + rows > nq) {
            throw new IllegalArgumentException(distances + ": rows " + firstQuery + ".." + (firstQuery + rows - 1)
                    + " outside the " + nq + " queries of " + query.source());
        }
        if (offset < 0 || offset + (long) rows * ng > length) {
            throw new IllegalArgumentException(distances + ": block of " + rows + " rows x " + ng
                    + " gallery columns does not fit an array of " + length + " from offset " + offset);
        }
        for (int i = firstQuery; i < firstQuery + rows; i++) {
            if (firstHit[i] != PENDING) throw new IllegalArgumentException(distances + ": query row " + i + " delivered twice");
        }
    }

    /** Per-worker scratch space. */
    private static final class Scratch {
        final int[] goodIdx;
        final double[] goodD;
        final int[] hist;
        final int[] tmpIdx;
        final double[] tmpD;
        /** Bin table: true matches in bins below b, and in bin b (see {@link #buildBins}). */
        final int[] before = new int[MAX_BINS + 1];
        final int[] inBin = new int[MAX_BINS + 1];
        double binLo;
        double binScale;
        int bins;

        Scratch(int capacity) {
            goodIdx = new int[capacity];
            goodD = new double[capacity];
            hist = new int[capacity + 1];
            tmpIdx = new int[capacity];
            tmpD = new double[capacity];
        }
    }

    /** Items at or before the last true match after which a query switches from binary search to the bin table. */
    private static final int BIN_AFTER = 48;
    private static final int MAX_BINS = 4096;

    /**
     * Builds the bin table of the sorted true matches: bin(v) = floor((v - lo) * scale) clamped to [0, bins-1] is
     * non-decreasing in v, so a true match in a lower bin than an item is strictly closer, one in a higher bin
     * strictly farther, and only those sharing the item's bin need an exact comparison. Returns false (keep the
     * binary search) when the true matches do not span a usable range.
     */
    private static boolean buildBins(Scratch s, int m) {
        double lo = s.goodD[0];
        double hi = s.goodD[m - 1];
        int bins = Math.min(MAX_BINS, Math.max(64, 32 * m));
        double scale = bins / (hi - lo);
        if (!(hi > lo) || !Double.isFinite(scale) || !Double.isFinite(lo) || !Double.isFinite(hi)) return false;
        s.binLo = lo;
        s.binScale = scale;
        s.bins = bins;
        java.util.Arrays.fill(s.inBin, 0, bins, 0);
        for (int k = 0; k < m; k++) s.inBin[bin(s, s.goodD[k])]++;
        int cum = 0;
        for (int b = 0; b < bins; b++) {
            s.before[b] = cum;
            cum += s.inBin[b];
        }
        return true;
    }

    private static int bin(Scratch s, double v) {
        double x = (v - s.binLo) * s.binScale;
        int b = x > 0 ? (int) x : 0;
        return Math.min(b, s.bins - 1);
    }

    /** As {@link #matchesAhead} through the bin table. */
    private static int matchesAheadBinned(Scratch s, double v, int j) {
        int b = bin(s, v);
        int ahead = s.before[b];
        int end = ahead + s.inBin[b];
        double[] gd = s.goodD;
        int[] gi = s.goodIdx;
        while (ahead < end && (gd[ahead] < v || (gd[ahead] == v && gi[ahead] < j))) ahead++;
        return ahead;
    }

    private Scratch scratch() {
        return new Scratch(largestGroup);
    }

    private boolean isMatch(int qi, int j) {
        return protocol.isMatch(query, qi, gallery, j);
    }

    private void rowFloat(int qi, float[] d, long offset, Scratch s) {
        int off = Math.toIntExact(offset);
        int p = query.pids()[qi];
        int[] same = galleryByPid.get(p);
        int m = 0;
        if (same != null) {
            for (int j : same) {
                float v = d[off + j];
                if (v != v) throw nan(qi, j);
                if (isMatch(qi, j)) {
                    s.goodIdx[m] = j;
                    s.goodD[m] = v;
                    m++;
                }
            }
        }
        if (m == 0) {
            for (int j = 0; j < ng; j++) {
                if (d[off + j] != d[off + j]) throw nan(qi, j);
            }
            firstHit[qi] = INVALID;
            return;
        }
        if (sgsRank != null) singleShot(qi, p, m, s, j -> d[off + j]);
        sortByDistanceThenIndex(s, m);
        int[] gpid = gallery.pids();
        int[] hist = s.hist;
        Arrays.fill(hist, 0, m + 1, 0);
        float thr = (float) s.goodD[m - 1];
        final int n = ng;
        int rare = 0;
        boolean binned = false;
        for (int j = 0; j < n; j++) {
            float v = d[off + j];
            // Only items no farther than the last true match can be ahead of a true match; NaN fails !(v > thr) too.
            if (!(v > thr)) {
                if (v != v) throw nan(qi, j);
                if (gpid[j] != p) {
                    if (binned) {
                        hist[matchesAheadBinned(s, v, j)]++;
                    } else {
                        hist[matchesAhead(s, m, v, j)]++;
                        if (++rare == BIN_AFTER && m > 2) binned = buildBins(s, m);
                    }
                }
            }
        }
        finish(qi, m, hist);
    }

    private void rowDouble(int qi, double[] d, long offset, Scratch s) {
        int off = Math.toIntExact(offset);
        int p = query.pids()[qi];
        int[] same = galleryByPid.get(p);
        int m = 0;
        if (same != null) {
            for (int j : same) {
                double v = d[off + j];
                if (v != v) throw nan(qi, j);
                if (isMatch(qi, j)) {
                    s.goodIdx[m] = j;
                    s.goodD[m] = v;
                    m++;
                }
            }
        }
        if (m == 0) {
            for (int j = 0; j < ng; j++) {
                if (d[off + j] != d[off + j]) throw nan(qi, j);
            }
            firstHit[qi] = INVALID;
            return;
        }
        if (sgsRank != null) singleShot(qi, p, m, s, j -> d[off + j]);
        sortByDistanceThenIndex(s, m);
        int[] gpid = gallery.pids();
        int[] hist = s.hist;
        Arrays.fill(hist, 0, m + 1, 0);
        double thr = s.goodD[m - 1];
        final int n = ng;
        int rare = 0;
        boolean binned = false;
        for (int j = 0; j < n; j++) {
            double v = d[off + j];
            if (!(v > thr)) {
                if (v != v) throw nan(qi, j);
                if (gpid[j] != p) {
                    if (binned) {
                        hist[matchesAheadBinned(s, v, j)]++;
                    } else {
                        hist[matchesAhead(s, m, v, j)]++;
                        if (++rare == BIN_AFTER && m > 2) binned = buildBins(s, m);
                    }
                }
            }
        }
        finish(qi, m, hist);
    }

    /** Number of true matches ordered before gallery item j at distance v: (d, index) &lt; (v, j). */
    private static int matchesAhead(Scratch s, int m, double v, int j) {
        double[] gd = s.goodD;
        int[] gi = s.goodIdx;
        int lo = 0;
        int hi = m;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double x = gd[mid];
            if (x < v || (x == v && gi[mid] < j)) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /**
     * hist[b] = non-matches with exactly b true matches ahead of them; the k-th true match (1-based) then sits at
     * rank k + (non-matches with fewer than k true matches ahead).
     */
    private void finish(int qi, int m, int[] hist) {
        int negAhead = 0;
        double apSum = 0;
        int first = 0;
        int last = 0;
        for (int k = 1; k <= m; k++) {
            negAhead += hist[k - 1];
            int rank = negAhead + k;
            apSum += (double) k / rank;
            if (k == 1) first = rank;
            last = rank;
        }
        ap[qi] = apSum / m;
        inp[qi] = (double) m / last;
        firstHit[qi] = first;
    }

    /** Stable sort of the m true matches (gathered in ascending gallery index) by distance. */
    private static void sortByDistanceThenIndex(Scratch s, int m) {
        double[] d = s.goodD;
        int[] idx = s.goodIdx;
        if (m <= 32) {
            for (int i = 1; i < m; i++) {
                double v = d[i];
                int x = idx[i];
                int k = i - 1;
                while (k >= 0 && d[k] > v) {
                    d[k + 1] = d[k];
                    idx[k + 1] = idx[k];
                    k--;
                }
                d[k + 1] = v;
                idx[k + 1] = x;
            }
            return;
        }
        mergeSort(d, idx, s.tmpD, s.tmpIdx, 0, m);
    }

    private static void mergeSort(double[] d, int[] idx, double[] td, int[] ti, int from, int to) {
        if (to - from < 2) return;
        int mid = (from + to) >>> 1;
        mergeSort(d, idx, td, ti, from, mid);
        mergeSort(d, idx, td, ti, mid, to);
        if (!(d[mid - 1] > d[mid])) return;
        System.arraycopy(d, from, td, from, to - from);
        System.arraycopy(idx, from, ti, from, to - from);
        int a = from;
        int b = mid;
        for (int k = from; k < to; k++) {
            if (b >= to || (a < mid && !(td[a] > td[b]))) {
                d[k] = td[a];
                idx[k] = ti[a++];
            } else {
                d[k] = td[b];
                idx[k] = ti[b++];
            }
        }
    }

    /** Single-gallery-shot draws for one query; the true matches are still in gallery order here. */
    private void singleShot(int qi, int p, int m, Scratch s, IntToDoubleFunction dist) {
        SplittableRandom rng = new SplittableRandom(mix(options.seed(), qi));
        int repeats = options.repeats();
        for (int rep = 0; rep < repeats; rep++) {
            int gj = s.goodIdx[rng.nextInt(m)];
            double gd = dist.applyAsDouble(gj);
            int ahead = 0;
            for (int g = 0; g < groupPid.length; g++) {
                if (groupPid[g] == p) continue;
                int size = groupStart[g + 1] - groupStart[g];
                int j = groupItems[groupStart[g] + rng.nextInt(size)];
                double v = dist.applyAsDouble(j);
                if (v < gd || (v == gd && j < gj)) ahead++;
            }
            sgsRank[qi * repeats + rep] = ahead + 1;
        }
    }

    /** The seed of query qi's single-gallery-shot draws (public so tests can follow the documented procedure). */
    public static long mix(long seed, int qi) {
        long z = seed + 0x9E3779B97F4A7C15L * (qi + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private IllegalArgumentException nan(int qi, int j) {
        return new IllegalArgumentException(distances + ": NaN distance at query row " + qi + ", gallery column " + j);
    }

    /** True once every query row has been delivered. */
    public boolean complete() {
        return delivered == nq;
    }

    /**
     * The metrics over all queries. Fails if some rows were never delivered, or if no query has a true match.
     */
    public RankingMetrics result() {
        if (delivered != nq) {
            throw new IllegalStateException(distances + ": only " + delivered + " of " + nq + " query rows were delivered");
        }
        int valid = 0;
        for (int q = 0; q < nq; q++) if (firstHit[q] > 0) valid++;
        if (valid == 0) throw noValidQuery();
        int len = Math.min(options.maxRank(), ng);
        double[] cmc = new double[len];
        double apSum = 0;
        double inpSum = 0;
        if (sgsRank == null) {
            long[] at = new long[len + 1];
            for (int q = 0; q < nq; q++) {
                if (firstHit[q] <= 0) continue;
                if (firstHit[q] <= len) at[firstHit[q]]++;
            }
            long cum = 0;
            for (int k = 1; k <= len; k++) {
                cum += at[k];
                cmc[k - 1] = (double) cum / valid;
            }
        } else {
            int repeats = options.repeats();
            double[] at = new double[len + 1];
            for (int q = 0; q < nq; q++) {
                if (firstHit[q] <= 0) continue;
                for (int rep = 0; rep < repeats; rep++) {
                    int r = sgsRank[q * repeats + rep];
                    if (r <= len) at[r] += 1.0 / repeats;
                }
            }
            double cum = 0;
            for (int k = 1; k <= len; k++) {
                cum += at[k];
                cmc[k - 1] = cum / valid;
            }
        }
        for (int q = 0; q < nq; q++) {
            if (firstHit[q] <= 0) continue;
            apSum += ap[q];
            inpSum += inp[q];
        }
        return new RankingMetrics(protocol, cmc, apSum / valid, inpSum / valid, valid, nq, ng);
    }

    /**
     * Rank (1-based, junk removed) of the query's first true match, or 0 for a query without one; for rank lists
     * and per-query reports. Valid after the query's row was delivered.
     */
    public int firstMatchRank(int q) {
        if (firstHit[q] == PENDING) throw new IllegalStateException("query row " + q + " not delivered yet");
        return Math.max(0, firstHit[q]);
    }

    /** Average precision of query q (0 for a query without a true match). */
    public double averagePrecision(int q) {
        if (firstHit[q] == PENDING) throw new IllegalStateException("query row " + q + " not delivered yet");
        return firstHit[q] > 0 ? ap[q] : 0;
    }

    private IllegalArgumentException noValidQuery() {
        StringBuilder sb = new StringBuilder("no valid query: none of the ").append(nq).append(" queries in ")
                .append(query.source()).append(" has a true match in ").append(gallery.source())
                .append(" under the ").append(protocol).append(" protocol (a true match has ")
                .append(protocol.matchRule()).append(")");
        boolean sharedPid = false;
        for (int p : query.pids()) {
            if (galleryByPid.containsKey(p)) {
                sharedPid = true;
                break;
            }
        }
        if (!sharedPid) {
            sb.append("; no query pid occurs in the gallery at all");
        } else {
            sb.append("; query and gallery share pids, but every such gallery image is removed as junk. A dataset"
                    + " without camera ids needs different camera ids for query and gallery (e.g. camid 0 for"
                    + " queries and 1 for the gallery), or the same-camera rule removes every match");
        }
        return new IllegalArgumentException(sb.toString());
    }
}
