package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;

/** What a running job gets: its resolved config and parsed arguments. */
public record JobContext(Job job, Config config, JobArgs args) {
    public RunConfig run() {
        return RunConfig.from(config);
    }

    public S3Config s3() {
        return S3Config.from(config);
    }

    /** Hadoop file-system access with the project's S3 and {@code reid.hadoop} settings. */
    public Storage storage() {
        org.apache.hadoop.conf.Configuration conf = Storage.hadoopConfiguration(s3());
        SparkConfig.hadoopPassThrough(config).forEach(conf::set);
        return new Storage(conf);
    }
}
