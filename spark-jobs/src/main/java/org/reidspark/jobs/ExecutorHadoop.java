package org.reidspark.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.reidspark.artifact.Storage;

/**
 * File-system access inside a Spark task, built from the executor's own Spark configuration: {@link SparkSessions}
 * puts {@code reid.s3} and {@code reid.hadoop} there as {@code spark.hadoop.*} properties, and every executor gets
 * them from the driver when it starts. So task closures never carry the S3 credentials (issue 18: a closure is
 * serialized with every task, and anything that prints it would print them), and Spark's redaction covers them
 * wherever Spark shows its configuration.
 */
public final class ExecutorHadoop {
    private ExecutorHadoop() {
    }

    /** The Hadoop configuration of the running executor (or of the driver, in local mode). */
    public static Configuration configuration() {
        SparkEnv env = SparkEnv.get();
        if (env == null) throw new IllegalStateException("no Spark executor in this JVM: ExecutorHadoop is for Spark tasks");
        return SparkHadoopUtil.get().newConfiguration(env.conf());
    }

    /** {@link Storage} over {@link #configuration()}. */
    public static Storage storage() {
        return new Storage(configuration());
    }
}
