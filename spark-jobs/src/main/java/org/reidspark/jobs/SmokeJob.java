package org.reidspark.jobs;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.model.backbone.FencedExecutioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple3;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * {@code smoke}: starts Spark, runs one stage (a sum of squares over {@code reid.smoke.elements}
 * numbers in {@code reid.smoke.partitions} partitions), checks the result against the closed form,
 * and publishes a run directory with its config. Proves an install end to end in seconds. Each task reports the
 * GPUs Spark assigned to it ({@link TaskGpu}), so a GPU cluster's resource settings can be checked too, and ND4J's
 * backend and executioner in its JVM ({@link FencedExecutioner#describe()}: the native library loads on every
 * executor, and the executioner keeps operands reachable); with
 * {@code reid.smoke.fail} a task throws, to check that a failed job reaches the user as exit code 1.
 */
public final class SmokeJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(SmokeJob.class);

    @Override
    public String name() {
        return "smoke";
    }

    @Override
    public String summary() {
        return "start Spark, run one stage, publish a run directory (checks an installation)";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--elements", "N", "reid.smoke.elements", "how many numbers to sum"),
                JobOption.config("--partitions", "P", "reid.smoke.partitions", "how many partitions (tasks)"),
                new JobOption("--fail", null, "reid.smoke.fail", "a task throws: checks that a failed job exits with code 1"),
                JobOption.config("--output", "DIR", "reid.run.output", "base directory or URI for the run directory"),
                JobOption.config("--name", "NAME", "reid.run.name", "run directory name"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        long n = ctx.config().getLong("reid.smoke.elements");
        int partitions = ctx.config().getInt("reid.smoke.partitions");
        if (n <= 0 || partitions <= 0) {
            throw new org.reidspark.config.ConfigError("config keys 'reid.smoke.elements' and 'reid.smoke.partitions'"
                    + " must be positive; got " + n + " and " + partitions);
        }
        try (RunDirectory run = RunDirectory.createFresh(ctx.storage(), ctx.run(), ctx.config(), name())) {
            SparkSession spark = SparkSessions.create(ctx);
            try {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                List<Long> numbers = new ArrayList<>();
                for (long i = 1; i <= n; i++) numbers.add(i);
                JavaRDD<Long> rdd = jsc.parallelize(numbers, partitions);
                boolean fail = ctx.config().getBoolean("reid.smoke.fail");
                List<Tuple3<Long, List<String>, String>> parts = rdd.mapPartitions((Iterator<Long> it) -> {
                    TaskGpu.Choice gpu = TaskGpu.bindTask();
                    if (fail) {
                        throw new IllegalStateException("smoke task failed on purpose (reid.smoke.fail = true)");
                    }
                    long s = 0;
                    while (it.hasNext()) {
                        long x = it.next();
                        s += x * x;
                    }
                    return List.of(new Tuple3<>(s, gpu.assigned(), FencedExecutioner.describe())).iterator();
                }).collect();
                long sum = parts.stream().mapToLong(Tuple3::_1).sum();
                SortedSet<String> gpus = new TreeSet<>();
                SortedSet<String> nd4j = new TreeSet<>();
                parts.forEach(p -> {
                    gpus.addAll(p._2());
                    nd4j.add(p._3());
                });
                long expected = n * (n + 1) * (2 * n + 1) / 6;
                LOG.info("smoke: master {}, {} partitions, sum of squares 1..{} = {} (expected {}); GPUs assigned to tasks: {};"
                                + " ND4J in the tasks: {}", jsc.master(), rdd.getNumPartitions(), n, sum, expected,
                        gpus.isEmpty() ? "none" : gpus, nd4j);
                if (sum != expected) {
                    throw new IllegalStateException("smoke stage computed " + sum + ", expected " + expected);
                }
                run.info("master", jsc.master()).info("result", Map.of("sumOfSquares", sum, "partitions", partitions))
                        .info("taskGpus", List.copyOf(gpus)).info("taskNd4j", List.copyOf(nd4j));
                run.writeJson("metrics.json", Map.of("sumOfSquares", sum, "elements", n));
            } finally {
                spark.stop();
            }
            ctx.out().println("smoke: OK, run directory " + run.publish());
        }
        return 0;
    }
}
