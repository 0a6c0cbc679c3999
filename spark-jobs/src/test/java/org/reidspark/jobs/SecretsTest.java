package org.reidspark.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.LogCapture;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Planted secrets never leave the process in clear (issue 18): the tiny train job runs with an S3 secret key written
 * as a number, an access key under its dotted Hadoop name, an S3 encryption key, an Azure account key and a Spark
 * property holding a key, with Spark's event log on; then none of them is in the logs, the job's output, any file of
 * the run directory or shard set ({@code config.conf}, {@code run.json}, {@code metrics.json}, ...) or the event log.
 * A job that fails on S3 with those keys has none of them in its error line or logs either.
 */
class SecretsTest {
    static final String NUMBER_SECRET = "7318029465";
    static final List<String> PLANTED = List.of(NUMBER_SECRET, "PLANTEDACCESSDOTTED", "planted-encryption-key",
            "planted-azure-account-key", "planted-spark-sse-key", "planted-session-token");

    static List<String> secretArgs() {
        return List.of("reid.s3.access-key=AKIAPLANTEDACCESS", "reid.s3.secret-key=" + NUMBER_SECRET,
                "reid.hadoop.\"fs.s3a.bucket.nobucket.access.key\"=PLANTEDACCESSDOTTED",
                "reid.hadoop.\"fs.s3a.bucket.nobucket.encryption.key\"=planted-encryption-key",
                "reid.hadoop.\"fs.azure.account.key.acct.blob.core.windows.net\"=planted-azure-account-key",
                "reid.hadoop.\"fs.s3a.bucket.nobucket.session.token\"=planted-session-token",
                "reid.spark.conf.\"spark.hadoop.fs.s3a.bucket.nobucket.server-side-encryption.key\"=planted-spark-sse-key");
    }

    @Test
    void plantedSecretsAppearNowhere(@TempDir Path tmp) throws Exception {
        Path data = MarketTree.write(tmp.resolve("data"));
        Path runs = tmp.resolve("runs");
        Path events = Files.createDirectories(tmp.resolve("events"));
        List<String> args = new ArrayList<>(TrainJobTest.tinyTraining(data, runs));
        args.addAll(secretArgs());
        args.add("reid.spark.conf.\"spark.eventLog.enabled\"=true");
        args.add("reid.spark.conf.\"spark.eventLog.dir\"=\"" + events.toUri() + "\"");
        JobRun r;
        String logs;
        try (LogCapture log = new LogCapture()) {
            r = JobRun.run(args);
            logs = log.text();
        }
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(logs.contains("job train with resolved config"), "the logs were captured: " + logs.length() + " chars");
        List<Path> files = files(runs);
        files.addAll(files(events));
        assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("metrics.json")), files.toString());
        assertTrue(files.stream().anyMatch(f -> f.startsWith(events)), "an event log was written: " + files);
        String eventLog = text(files(events));
        assertTrue(eventLog.contains("spark.hadoop.fs.s3a.bucket.nobucket.server-side-encryption.key"),
                "the event log lists the properties (their values redacted)");
        for (String secret : PLANTED) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), secret + " printed");
            assertFalse(logs.contains(secret), secret + " logged");
            for (Path f : files) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(secret), secret + " in " + f);
            }
        }
        String config = Files.readString(runs.resolve("t/config.conf"));
        assertTrue(config.contains("<redacted>"), config);
    }

    @Test
    void aFailingJobsErrorCarriesNoSecret(@TempDir Path tmp) throws Exception {
        // the shard job reading from an S3 endpoint where nothing listens fails; its message names the endpoint
        List<String> args = new ArrayList<>(List.of("shard", "reid.spark.master=local[1]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "--dataset", "market1501", "--root", "s3a://nobucket/data", "--output", tmp.resolve("out").toString(),
                "reid.s3.endpoint=" + S3Proxy.unreachableEndpoint(), "reid.s3.attempts=1", "reid.s3.connect-timeout-ms=500",
                "reid.s3.path-style-access=true", "reid.s3.ssl=false", "reid.s3.region=us-east-1"));
        args.addAll(secretArgs());
        JobRun r;
        String logs;
        try (LogCapture log = new LogCapture()) {
            r = JobRun.run(args);
            logs = log.text();
        }
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("reid.s3.endpoint"), r.err());
        for (String secret : PLANTED) {
            assertFalse(r.err().contains(secret) || r.out().contains(secret), secret + " printed: " + r.err());
            assertFalse(logs.contains(secret), secret + " logged");
        }
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).toList());
        }
    }

    private static String text(List<Path> files) throws Exception {
        StringBuilder b = new StringBuilder();
        for (Path f : files) b.append(Files.readString(f, StandardCharsets.ISO_8859_1));
        return b.toString();
    }
}
