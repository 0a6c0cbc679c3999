package org.reidspark.method.paul;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.train.KeyedState;
import org.reidspark.train.TrainingState;

import java.util.Arrays;

/**
 * IPFL's cyclic-ranking negatives over the whole image memory ("Patch-based Discriminative Feature Learning for
 * Unsupervised Person Re-identification", Yang et al., CVPR 2019, https://arxiv.org/abs/1904.01308, section 3.3): this
 * project's extension of the official in-batch mining ({@code reid.paul.ipfl.negatives = global}), the same search and
 * walk as {@code submit/reid mine} runs over an {@code extract} output, here on the trainer's driver over the training
 * state's image memory before an epoch ({@link PaulUnsupervisedStep#startEpoch}).
 *
 * <p>Every image with a memory entry is an anchor; its {@code max(walk, top - 1)} nearest other entries (Euclidean,
 * exact, blockwise: {@link NearestNeighbours}, never an N x N matrix) are walked by {@link CyclicRanking#global}. Unlike
 * the in-batch mining, which ranks each view of the batch against the batch's centers, the anchor here is the image's
 * center, so an image's views share one negative, and the negative is an image anywhere in the training set, read as
 * its memory entry (a constant center, as the in-batch negatives are).
 *
 * <p>Shapes: the memory {@code [N, 1 + D]} ({@link BankState}'s layout: column 0 is 1 once the image has an entry);
 * the negatives kept in the state as {@value #STATE} {@code [N, 1]}, keyed as the memory: each image's negative as its
 * row in the memory, or -1 for none (an image without an entry, or none qualified). Rows are written without marking
 * them touched: written on the driver, they reach the workers with the next broadcast and are kept by the merge
 * ({@link org.reidspark.train.MergeRule#BY_KEY}: rows no worker touched keep the driver's values), and checkpoints
 * carry them, so a resumed run uses the negatives an uninterrupted one would.
 */
public final class GlobalNegatives {
    /** The training state's keyed state holding the mined negatives. */
    public static final String STATE = "ipfl-negatives";
    /** Anchors per block (and set rows per tile) of the neighbour search: 12 MB of working memory at D = 2048. */
    static final int BLOCK = 1024;
    /** Row indices are stored as floats: exact up to 2^24 images. */
    static final int MAX_IMAGES = 1 << 24;

    private GlobalNegatives() {
    }

    /**
     * The negative of every row of {@code memory}: its row index in the memory, or {@link CyclicRanking#NONE}.
     *
     * @param memory  the image memory {@code [N, 1 + D]}
     * @param ranking the walk length and top-list size
     */
    public static int[] mine(KeyedState memory, CyclicRanking ranking) {
        return mine(memory, ranking, null);
    }

    /**
     * {@link #mine(KeyedState, CyclicRanking)} with the neighbours searched by {@code search} (the Spark trainer's
     * executors) instead of in this JVM, when not null: the same exact lists, so the same negatives.
     */
    public static int[] mine(KeyedState memory, CyclicRanking ranking, org.reidspark.train.NeighbourSearch search) {
        INDArray all = memory.rows();
        int n = (int) all.size(0);
        long width = all.size(1) - 1;
        int[] out = new int[n];
        Arrays.fill(out, CyclicRanking.NONE);
        int[] filled = BankState.filled(memory);
        int m = filled.length;
        if (m < 2) return out;
        INDArray set = Nd4j.pullRows(all, 1, filled).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + width));
        int[][] neighbours = search == null
                ? new NearestNeighbours(set).search(0, m, ranking.neighboursNeeded(), BLOCK).neighbours()
                : search.neighbours(set.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat(), m, (int) width, ranking.neighboursNeeded());
        int[] negative = ranking.global(neighbours);
        for (int i = 0; i < m; i++) if (negative[i] != CyclicRanking.NONE) out[filled[i]] = filled[negative[i]];
        return out;
    }

    /** The state holding {@code negatives} (one per key of {@code keys}), {@code [N, 1]}. */
    static KeyedState state(long[] keys, int[] negatives) {
        if (keys.length != negatives.length) throw new IllegalArgumentException(keys.length + " keys but " + negatives.length + " negatives");
        if (keys.length > MAX_IMAGES) {
            throw new IllegalArgumentException("global negatives are kept as float row indices, exact up to " + MAX_IMAGES
                    + " images; the training set has " + keys.length);
        }
        float[] rows = new float[negatives.length];
        for (int i = 0; i < rows.length; i++) rows[i] = negatives[i];
        return new KeyedState(keys.clone(), Nd4j.create(rows, new long[] {rows.length, 1}, 'c'));
    }

    /** The negatives mined into {@code state}, or null when none have been yet. */
    static KeyedState of(TrainingState state) {
        return state.aux().containsKey(STATE) ? state.keyed(STATE) : null;
    }

    /** The negative of {@code key}: its row in the memory, or {@link CyclicRanking#NONE}. */
    static int negativeOf(KeyedState negatives, long key) {
        return (int) negatives.rows().getDouble(negatives.index(key), 0);
    }
}
