package org.reidspark.jobs.mine;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.reidspark.method.paul.NearestNeighbours;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The trainer's neighbour search on the executors gives the lists of the single-JVM search exactly, ties included
 * (duplicated rows), with the anchors split over several tasks.
 */
class SparkNeighbourSearchTest {
    @Test
    void theExecutorsFindTheSameNeighboursAsOneJvm() {
        int n = 2600;
        int d = 8;
        Random r = new Random(4);
        float[] rows = new float[n * d];
        for (int i = 0; i < rows.length; i++) rows[i] = (float) r.nextGaussian();
        for (int i = 0; i < 200; i++) System.arraycopy(rows, (i * 7) * d, rows, (n - 1 - i) * d, d); // exact ties
        int[][] expected = NearestNeighbours.of(rows, n, d).search(0, n, 6, 1024).neighbours();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("neighbours").config("spark.ui.enabled", false).getOrCreate();
        try {
            int[][] got = new SparkNeighbourSearch(JavaSparkContext.fromSparkContext(spark.sparkContext())).neighbours(rows, n, d, 6);
            assertEquals(n, got.length);
            for (int i = 0; i < n; i++) assertArrayEquals(expected[i], got[i], "anchor " + i);
        } finally {
            spark.stop();
        }
    }
}
