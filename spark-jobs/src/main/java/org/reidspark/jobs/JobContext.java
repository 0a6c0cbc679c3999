package org.reidspark.jobs;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.reidspark.artifact.Storage;
import org.reidspark.config.RunConfig;
import org.reidspark.config.S3Config;

import java.util.HashMap;

/** What a running job gets: its resolved config, parsed arguments, and where its summary lines go. */
public record JobContext(Job job, Config config, JobArgs args, java.io.PrintStream out) {
    /** The same job and streams with another config. */
    public JobContext withConfig(Config other) {
        return new JobContext(job, other, args, out);
    }

    public RunConfig run() {
        return RunConfig.from(config);
    }

    public S3Config s3() {
        return S3Config.from(config);
    }

    /** Hadoop file-system access with the project's S3 and {@code reid.hadoop} settings. */
    public Storage storage() {
        Configuration conf = new Configuration();
        hadoopProperties().forEach(conf::set);
        return new Storage(conf);
    }

    /**
     * The Hadoop properties {@link #storage()} applies ({@code fs.s3a.*} from {@code reid.s3}, then
     * {@code reid.hadoop}), as a serializable map, to build the same file-system access on executors.
     */
    public HashMap<String, String> hadoopProperties() {
        HashMap<String, String> m = new HashMap<>(s3().hadoopProperties());
        m.putAll(SparkConfig.hadoopPassThrough(config));
        return m;
    }
}
