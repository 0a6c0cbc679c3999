package org.reidspark.jobs.mine;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.reidspark.method.paul.NearestNeighbours;
import org.reidspark.train.NeighbourSearch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The mine job's neighbour search as a service of the Spark trainer ({@link NeighbourSearch}): the set is broadcast
 * ({@link MinePartition.Set}, built into an ND4J set once per executor JVM), contiguous ranges of anchors are searched
 * on the executors blockwise and exactly ({@link NearestNeighbours#search}, blocks of {@value #BLOCK}: never an N x N
 * matrix), and the lists come back to the driver in memory instead of to Parquet. PAUL's global negatives use it
 * before an epoch when the image memory holds more entries than {@code reid.paul.ipfl.driver-limit}.
 */
public final class SparkNeighbourSearch implements NeighbourSearch {
    private static final Logger LOG = LoggerFactory.getLogger(SparkNeighbourSearch.class);
    /** Anchors per block and set rows per tile, as the trainer's driver-side search. */
    static final int BLOCK = 1024;
    private final JavaSparkContext jsc;

    public SparkNeighbourSearch(JavaSparkContext jsc) {
        this.jsc = jsc;
    }

    /** One range's lists. */
    record Part(int from, int[][] neighbours) implements Serializable {
    }

    @Override
    public int[][] neighbours(float[] rows, int n, int d, int k) {
        long start = System.nanoTime();
        int partitions = Math.max(1, Math.min(jsc.defaultParallelism(), (n + BLOCK - 1) / BLOCK));
        List<MinePartition.Task> tasks = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tasks.add(new MinePartition.Task(p, MinePlan.start(p, n, partitions), MinePlan.start(p + 1, n, partitions)));
        }
        Broadcast<MinePartition.Set> set = jsc.broadcast(new MinePartition.Set(n, d, rows));
        List<Part> parts;
        try {
            parts = jsc.parallelize(tasks, partitions).map(t -> {
                NearestNeighbours s = MinePartition.set(set.value());
                return new Part(t.from(), s.search(t.from(), t.to(), k, BLOCK).neighbours());
            }).collect();
        } finally {
            set.destroy();
            MinePartition.release(); // in local mode the driver's JVM holds an executor's copy too
        }
        int[][] out = new int[n][];
        for (Part p : parts) System.arraycopy(p.neighbours(), 0, out, p.from(), p.neighbours().length);
        LOG.info("neighbour search on the executors: {} images of {} values, {} neighbours each, {} partitions, {} s", n, d, k,
                partitions, String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9));
        return out;
    }
}
