package org.reidspark.jobs;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code smoke}: starts Spark, runs one stage (a sum of squares over {@code reid.smoke.elements}
 * numbers in {@code reid.smoke.partitions} partitions), checks the result against the closed form,
 * and publishes a run directory with its config. Proves an install end to end in seconds.
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
        try (RunDirectory run = RunDirectory.create(ctx.storage(), ctx.run(), ctx.config(), name())) {
            SparkSession spark = SparkSessions.create(ctx);
            try {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                List<Long> numbers = new ArrayList<>();
                for (long i = 1; i <= n; i++) numbers.add(i);
                JavaRDD<Long> rdd = jsc.parallelize(numbers, partitions);
                long sum = rdd.map(x -> x * x).reduce(Long::sum);
                long expected = n * (n + 1) * (2 * n + 1) / 6;
                LOG.info("smoke: master {}, {} partitions, sum of squares 1..{} = {} (expected {})",
                        jsc.master(), rdd.getNumPartitions(), n, sum, expected);
                if (sum != expected) {
                    throw new IllegalStateException("smoke stage computed " + sum + ", expected " + expected);
                }
                run.info("master", jsc.master()).info("result", Map.of("sumOfSquares", sum, "partitions", partitions));
                run.writeJson("metrics.json", Map.of("sumOfSquares", sum, "elements", n));
            } finally {
                spark.stop();
            }
            ctx.out().println("smoke: OK, run directory " + run.publish());
        }
        return 0;
    }
}
