package org.reidspark.jobs;

import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.reidspark.progress.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The progress of the Spark actions run while it is open, on the driver: it puts them in a job group of its own and
 * counts the finished tasks of their result stages (one per partition) and the images those tasks held, logging a
 * {@link Progress} line with rate and ETA. Images per task come from the caller ({@code imagesPerPartition}, by task
 * index: extract, shard) or, when it passes none, from the records the task read (the shards of an embedding job,
 * moved to their partition by a shuffle).
 * <pre>
 * try (SparkProgress p = SparkProgress.open(sc, "extract", "partitions", todo.size(), plan.images(), weights)) {
 *     rdd.collect();
 * }
 * </pre>
 */
public final class SparkProgress extends SparkListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkProgress.class);

    private final SparkContext sc;
    private final String group = "reid-progress-" + UUID.randomUUID();
    private final long[] imagesPerPartition;
    private final Progress progress;
    private final Set<Integer> resultStages = ConcurrentHashMap.newKeySet();

    private SparkProgress(SparkContext sc, Progress progress, long[] imagesPerPartition) {
        this.sc = sc;
        this.progress = progress;
        this.imagesPerPartition = imagesPerPartition;
    }

    /**
     * Tracks the actions run until {@link #close()}.
     *
     * @param partitions         the partitions (result tasks) in all
     * @param images             the images in all; 0 when unknown
     * @param imagesPerPartition images of each partition by task index, or null to count the records each task read
     */
    public static SparkProgress open(SparkContext sc, String what, String partName, int partitions, long images,
                                     long[] imagesPerPartition) {
        SparkProgress p = new SparkProgress(sc, Progress.logged(LOG, what, partName, Math.max(1, partitions), "images", images),
                imagesPerPartition);
        sc.setJobGroup(p.group, what, false);
        sc.addSparkListener(p);
        return p;
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        if (start.properties() == null || !group.equals(start.properties().getProperty("spark.jobGroup.id"))) return;
        // the result stage: the one no other stage of the job depends on, the job's highest id
        int last = -1;
        scala.collection.Iterator<StageInfo> it = start.stageInfos().iterator();
        while (it.hasNext()) last = Math.max(last, it.next().stageId());
        if (last >= 0) resultStages.add(last);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!resultStages.contains(end.stageId()) || !end.taskInfo().successful()) return;
        int index = end.taskInfo().index();
        long images;
        if (imagesPerPartition != null) {
            images = index < imagesPerPartition.length ? imagesPerPartition[index] : 0;
        } else {
            TaskMetrics m = end.taskMetrics();
            images = m == null ? 0 : m.shuffleReadMetrics().recordsRead() + m.inputMetrics().recordsRead();
        }
        progress.partDone(images);
    }

    /** The current line. */
    public String line() {
        return progress.line();
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
        sc.clearJobGroup();
    }
}
