package org.reidspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress of real Spark actions: only the tracked action's result tasks count, with the caller's image counts. */
class SparkProgressTest {
    @Test
    void countsTheResultTasksOfTheActionsItTracks() {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("progress")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            jsc.parallelize(List.of(1, 2, 3), 3).count();  // not tracked
            long[] images = {10, 20, 30, 40};
            String line;
            try (SparkProgress p = SparkProgress.open(spark.sparkContext(), "extract", "partitions", 4, 100, images)) {
                // a shuffle: the map stage's tasks are not partitions of the result
                jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 4).mapToPair(i -> new scala.Tuple2<>(i % 4, i))
                        .reduceByKey(Integer::sum, 4).collect();
                // the listener bus delivers events asynchronously
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!p.line().startsWith("extract: 4/4") && System.nanoTime() < deadline) Thread.onSpinWait();
                line = p.line();
            }
            assertTrue(line.startsWith("extract: 4/4 partitions, 100/100 images (100%)"), line);
            // without counts from the caller, the records each result task read (an embedding job's shards arrive by a
            // shuffle): 8 values grouped without a map-side combine
            try (SparkProgress p = SparkProgress.open(spark.sparkContext(), "evaluate", "shards", 2, 8, null)) {
                jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 3).mapToPair(i -> new scala.Tuple2<>(i % 2, i))
                        .groupByKey(2).collect();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!p.line().startsWith("evaluate: 2/2") && System.nanoTime() < deadline) Thread.onSpinWait();
                line = p.line();
            }
            assertTrue(line.startsWith("evaluate: 2/2 shards, 8/8 images (100%)"), line);
            jsc.parallelize(List.of(1, 2), 2).count();
            assertEquals(null, spark.sparkContext().getLocalProperty("spark.jobGroup.id"), "the job group is cleared");
        } finally {
            spark.stop();
        }
    }

    @Test
    void sparksConsoleProgressBarOnlyOnATerminalUnlessChosen() {
        SparkConf conf = new SparkConf(false);
        SparkSessions.consoleProgress(conf, true);
        assertEquals("true", conf.get("spark.ui.showConsoleProgress"));
        conf = new SparkConf(false);
        SparkSessions.consoleProgress(conf, false);
        assertEquals("false", conf.get("spark.ui.showConsoleProgress"));
        conf = new SparkConf(false).set("spark.ui.showConsoleProgress", "true");
        SparkSessions.consoleProgress(conf, false);
        assertEquals("true", conf.get("spark.ui.showConsoleProgress"), "the user's choice stands");
    }
}
