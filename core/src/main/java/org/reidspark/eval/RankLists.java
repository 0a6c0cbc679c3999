package org.reidspark.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rank lists: the {@code k} nearest gallery items of every query, kept while a query x gallery distance matrix is
 * delivered in blocks of whole rows (as {@link RankingEvaluator} takes it, from {@link DistanceBlocks} or the
 * re-ranker), so the matrix never exists whole. Memory: {@code 8 k} bytes per query for the result plus one
 * {@code k}-element heap per thread.
 *
 * <p>Order: ascending distance; ties by ascending gallery index (the rule of {@link RankingEvaluator}), so the list
 * is exactly the first {@code k} items of the order the metrics rank by. Junk items (the query's own person, not a
 * true match under the {@link Protocol}) stay in the list, flagged; an {@link Entry}'s {@code rank} is its rank
 * with junk removed, the rank the metrics use: the first entry with {@code match} set has rank
 * {@link RankingEvaluator#firstMatchRank(int)}.
 *
 * <p>Cost: one pass per row with a bounded max-heap, {@code O(gallery log k)} at worst. Rows of a block run on
 * {@code threads} threads. Not thread-safe: call {@code accept} from one thread at a time.
 */
public final class RankLists {
    private final Labels query;
    private final Labels gallery;
    private final Protocol protocol;
    private final int k;
    private final int threads;
    private final int ng;
    private final int[] index;
    private final float[] distance;
    private final boolean[] done;
    private int delivered;

    /**
     * One item of a query's rank list.
     *
     * @param position     1-based place in the list, junk included
     * @param rank         1-based rank with junk removed (the metrics' rank); 0 for a junk item
     * @param galleryIndex the item's column in the distance matrix (its index in the gallery labels)
     * @param distance     its distance to the query
     * @param match        a true match of the query under the protocol
     * @param junk         the query's own person but not a true match: removed before ranking
     */
    public record Entry(int position, int rank, int galleryIndex, float distance, boolean match, boolean junk) {
    }

    /**
     * @param k       items kept per query (the whole gallery when it is smaller)
     * @param threads worker threads per block (1 = the calling thread)
     */
    public RankLists(Labels query, Labels gallery, Protocol protocol, int k, int threads) {
        if (k < 1) throw new IllegalArgumentException("rank lists need k >= 1, got " + k);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (gallery.size() == 0) throw new IllegalArgumentException(gallery.source() + ": the gallery is empty");
        if (protocol.needsClothes() && (!query.hasClothes() || !gallery.hasClothes())) {
            throw new IllegalArgumentException("protocol " + protocol + " needs clothes ids in " + query.source() + " and "
                    + gallery.source());
        }
        this.query = query;
        this.gallery = gallery;
        this.protocol = protocol;
        this.ng = gallery.size();
        this.k = Math.min(k, ng);
        this.threads = threads;
        long size = (long) query.size() * this.k;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(query.size() + " queries x top-" + this.k + " do not fit one array; lower k");
        }
        this.index = new int[(int) size];
        this.distance = new float[(int) size];
        this.done = new boolean[query.size()];
    }

    /** Items per query: the requested k, or the gallery size when smaller. */
    public int k() {
        return k;
    }

    public int queries() {
        return query.size();
    }

    public Labels queryLabels() {
        return query;
    }

    public Labels galleryLabels() {
        return gallery;
    }

    /**
     * Consumes distance rows {@code firstQuery .. firstQuery+rows-1}: row i's distance to gallery item j is at
     * {@code data[offset + (i - firstQuery) * gallery + j]}. NaN distances are an error.
     */
    public void accept(int firstQuery, int rows, float[] data, int offset) {
        if (firstQuery < 0 || rows < 0 || firstQuery + rows > query.size()) {
            throw new IllegalArgumentException("rows " + firstQuery + ".." + (firstQuery + rows - 1) + " outside the "
                    + query.size() + " queries of " + query.source());
        }
        if (offset < 0 || offset + (long) rows * ng > data.length) {
            throw new IllegalArgumentException("block of " + rows + " rows x " + ng + " gallery columns does not fit an"
                    + " array of " + data.length + " from offset " + offset);
        }
        for (int q = firstQuery; q < firstQuery + rows; q++) {
            if (done[q]) throw new IllegalArgumentException("query row " + q + " delivered twice");
        }
        Parallel.forChunks(threads, rows, 8, Heap::new, (from, to, heap) -> {
            for (int r = from; r < to; r++) row(firstQuery + r, data, offset + r * ng, heap);
        });
        for (int q = firstQuery; q < firstQuery + rows; q++) done[q] = true;
        delivered += rows;
    }

    /** A bounded max-heap of (distance, index): the root is the farthest item kept, ties broken by larger index. */
    private final class Heap {
        final float[] d = new float[k];
        final int[] j = new int[k];
        int size;

        /** a ranks after b. */
        boolean after(float da, int ja, float db, int jb) {
            return da > db || (da == db && ja > jb);
        }

        void push(float v, int col) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!after(v, col, d[parent], j[parent])) break;
                d[i] = d[parent];
                j[i] = j[parent];
                i = parent;
            }
            d[i] = v;
            j[i] = col;
        }

        void replaceRoot(float v, int col) {
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && after(d[c + 1], j[c + 1], d[c], j[c])) c++;
                if (!after(d[c], j[c], v, col)) break;
                d[i] = d[c];
                j[i] = j[c];
                i = c;
            }
            d[i] = v;
            j[i] = col;
        }
    }

    private void row(int q, float[] data, int off, Heap h) {
        h.size = 0;
        for (int col = 0; col < ng; col++) {
            float v = data[off + col];
            if (v != v) {
                throw new IllegalArgumentException("NaN distance at query row " + q + ", gallery column " + col);
            }
            if (h.size < k) {
                h.push(v, col);
            } else if (v < h.d[0]) {
                // columns arrive in ascending order, so an equal distance ranks after every item kept
                h.replaceRoot(v, col);
            }
        }
        // pop the farthest first into the back of the list
        int base = q * k;
        for (int pos = k - 1; pos >= 0; pos--) {
            distance[base + pos] = h.d[0];
            index[base + pos] = h.j[0];
            int last = --h.size;
            if (last > 0) {
                float v = h.d[last];
                int col = h.j[last];
                h.replaceRoot(v, col);
            }
        }
    }

    /** True once every query row has been delivered. */
    public boolean complete() {
        return delivered == query.size();
    }

    /** Gallery indices of query q's list, nearest first. */
    public int[] indices(int q) {
        check(q);
        return Arrays.copyOfRange(index, q * k, q * k + k);
    }

    /** Distances of query q's list, ascending. */
    public float[] distances(int q) {
        check(q);
        return Arrays.copyOfRange(distance, q * k, q * k + k);
    }

    /** Query q's list with match and junk flags and junk-free ranks. */
    public List<Entry> entries(int q) {
        check(q);
        List<Entry> out = new ArrayList<>(k);
        int rank = 0;
        for (int pos = 0; pos < k; pos++) {
            int j = index[q * k + pos];
            boolean junk = protocol.isJunk(query, q, gallery, j);
            boolean match = !junk && protocol.isMatch(query, q, gallery, j);
            out.add(new Entry(pos + 1, junk ? 0 : ++rank, j, distance[q * k + pos], match, junk));
        }
        return out;
    }

    private void check(int q) {
        if (q < 0 || q >= query.size()) throw new IllegalArgumentException("query " + q + " outside 0.." + (query.size() - 1));
        if (!done[q]) throw new IllegalStateException("query row " + q + " not delivered yet");
    }
}
