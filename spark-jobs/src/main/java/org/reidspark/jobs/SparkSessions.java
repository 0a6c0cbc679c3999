package org.reidspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.reidspark.config.S3Config;
import org.reidspark.config.Secrets;

import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the SparkSession a job runs in, from {@code reid.spark}, {@code reid.s3} and {@code reid.hadoop}. A job that
 * runs other jobs in-process (retrain) {@link #hold holds} the session, so that their {@link #stop} leaves it running
 * for the next one (its cached data released) instead of starting Spark again for each.
 */
public final class SparkSessions {
    private static boolean holding;
    private static SparkSession held;

    private SparkSessions() {
    }

    /** From now until {@link #release()}, the session {@link #create} makes (or made) is kept running by {@link #stop}. */
    public static synchronized void hold() {
        holding = true;
    }

    /** Stops the held session, if one was started, and ends holding. */
    public static synchronized void release() {
        holding = false;
        if (held != null) {
            SparkSession s = held;
            held = null;
            s.stop();
        }
    }

    /** Stops {@code session}, unless it is held: then only the data its job cached is released. */
    public static synchronized void stop(SparkSession session) {
        if (session == held) {
            session.sparkContext().getPersistentRDDs().values().foreach(rdd -> rdd.unpersist(false));
            session.catalog().clearCache();
            return;
        }
        session.stop();
    }

    public static SparkSession create(JobContext ctx) {
        synchronized (SparkSessions.class) {
            if (held != null && !held.sparkContext().isStopped()) return held;
        }
        SparkConfig spark = SparkConfig.from(ctx.config());
        SparkConf conf = new SparkConf();
        // spark-submit sets spark.master from --master (submit/reid passes the config's master when
        // none is given); a job started in-process (tests) takes the config's.
        if (!conf.contains("spark.master")) conf.setMaster(spark.master());
        conf.setAppName(spark.appName() + " " + ctx.job().name());
        for (Map.Entry<String, String> e : spark.conf().entrySet()) conf.set(e.getKey(), e.getValue());
        S3Config s3 = ctx.s3();
        for (Map.Entry<String, String> e : s3.hadoopProperties().entrySet()) conf.set("spark.hadoop." + e.getKey(), e.getValue());
        for (Map.Entry<String, String> e : SparkConfig.hadoopPassThrough(ctx.config()).entrySet()) {
            conf.set("spark.hadoop." + e.getKey(), e.getValue());
        }
        consoleProgress(conf, System.console() != null);
        localJars(conf, System.getProperty("java.class.path", ""));
        // Spark's UI, event log and logs redact what matches this; its default misses keys Hadoop counts as sensitive
        // (spark.hadoop.fs.s3a.encryption.key, fs.azure.account.key.*)
        if (!conf.contains("spark.redaction.regex")) conf.set("spark.redaction.regex", Secrets.sparkRedactionRegex());
        SparkSession session = SparkSession.builder().config(conf).getOrCreate();
        session.sparkContext().setLogLevel("WARN");
        synchronized (SparkSessions.class) {
            if (holding) held = session;
        }
        return session;
    }

    /**
     * In local mode ({@code local}, {@code local[...]}: the executor is this JVM) drops from {@code spark.jars} the jars
     * already on this JVM's class path ({@code classPath}): spark-submit lists the application jar there, and Spark would
     * copy it (180 MB) into a temporary folder at every start to load the same classes again (0.6-0.75 s of a job's
     * start here: docs/performance.md, "Starting a job"). Other masters, and jars not on the class path, keep it.
     */
    static void localJars(SparkConf conf, String classPath) {
        String master = conf.get("spark.master", "");
        if (!(master.equals("local") || master.startsWith("local[")) || !conf.contains("spark.jars")) return;
        Set<Path> onClassPath = new HashSet<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) onClassPath.add(Path.of(entry).toAbsolutePath().normalize());
        }
        List<String> kept = new ArrayList<>();
        for (String jar : conf.get("spark.jars").split(",")) {
            if (jar.isBlank()) continue;
            Path local = localPath(jar.trim());
            if (local == null || !onClassPath.contains(local)) kept.add(jar.trim());
        }
        conf.set("spark.jars", String.join(",", kept));
    }

    /** A jar's path when it names a local file (a plain path or a {@code file:} uri), else null. */
    private static Path localPath(String jar) {
        try {
            URI uri = new URI(jar);
            if (uri.getScheme() == null) return Path.of(jar).toAbsolutePath().normalize();
            if (uri.getScheme().equals("file")) return Path.of(uri).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    /**
     * Spark's console progress bar (a line per running stage, redrawn in place) when the job's output is a terminal
     * and the user did not choose: it would litter a log file or a test's output with carriage returns.
     */
    static void consoleProgress(SparkConf conf, boolean terminal) {
        if (!conf.contains("spark.ui.showConsoleProgress")) conf.set("spark.ui.showConsoleProgress", String.valueOf(terminal));
    }
}
