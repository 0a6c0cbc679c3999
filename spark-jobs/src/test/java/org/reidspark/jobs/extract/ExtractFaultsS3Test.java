package org.reidspark.jobs.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.FaultyS3;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transient read failures on the real S3 API are not bad images (issue 18): s3proxy behind {@link FaultyS3}, which
 * answers the first reads of one image with S3's 503 SlowDown and cuts the first reads of another mid-body with a TCP
 * reset, more times than S3A retries. The failing reads fail their tasks, Spark retries them, and the output is the
 * fault-free one: every readable image embedded as the core Embedder embeds it, only the truly corrupt one unreadable.
 */
class ExtractFaultsS3Test {
    static final String SLOW = "cam1/0002.jpg";
    static final String RESET = "cam2/0005.jpeg";

    @TempDir
    Path tmp;

    @Test
    void readFailuresAreRetriedNotRecordedAsUnreadable() throws Exception {
        Path model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 7);
        Path images = ExtractFixture.writeImages(tmp.resolve("images"));
        try (S3Proxy s3 = S3Proxy.start(); FaultyS3 faulty = new FaultyS3(s3.endpoint())) {
            s3.upload(images, "images");
            s3.upload(model, "runs/tiny");
            faulty.fail("images/" + SLOW, FaultyS3.Fault.SLOW_DOWN, 4).fail("images/" + RESET, FaultyS3.Fault.RESET_MID_BODY, 4);
            List<String> args = new ArrayList<>(S3Proxy.overrides(faulty.endpoint()));
            args.addAll(List.of("--model", s3.uri("runs/tiny"), "--input", s3.uri("images"),
                    "--output", s3.uri("embeddings/gallery"), "--partitions", "2",
                    // S3A gives up after one retry, so the faults reach the task; Spark retries a task up to 8 times
                    "reid.spark.master=local[2,8]", "reid.s3.attempts=1",
                    "reid.hadoop.\"fs.s3a.retry.throttle.limit\"=1", "reid.hadoop.\"fs.s3a.retry.throttle.interval\"=50ms",
                    "reid.hadoop.\"fs.s3a.retry.interval\"=50ms"));
            JobRun r = ExtractFixture.extract(args);
            assertEquals(0, r.code(), r.err());
            assertEquals(4, faulty.injected("images/" + SLOW), "every SlowDown was served");
            assertEquals(4, faulty.injected("images/" + RESET), "every reset was served");
            assertTrue(r.out().contains("8 of 9 images embedded") && r.out().contains("1 unreadable"), r.out());

            JsonNode info = new ObjectMapper().readTree(s3.get("embeddings/gallery/extract.json"));
            List<String> hadoop = s3.hadoopProperties();
            Map<Path, float[]> expected = ExtractFixture.reference(model, ExtractFixture.GOOD.stream().map(images::resolve).toList());
            SparkSession spark = ExtractFixture.spark(hadoop);
            try {
                Map<String, float[]> rows = ExtractFixture.embeddings(spark, s3.uri("embeddings/gallery/embeddings.parquet"),
                        info.get("modelRunId").asText(), info.get("dims").asInt());
                assertTrue(rows.containsKey(s3.uri("images/" + SLOW)) && rows.containsKey(s3.uri("images/" + RESET)),
                        "the images whose reads failed are embedded: " + rows.keySet());
                for (Map.Entry<String, float[]> e : rows.entrySet()) {
                    String rel = e.getKey().substring(s3.uri("images/").length());
                    ExtractFixture.assertClose(expected.get(images.resolve(rel)), e.getValue(), e.getKey());
                }
                assertEquals(Set.of(s3.uri("images/" + ExtractFixture.CORRUPT)),
                        ExtractFixture.unreadable(spark, s3.uri("embeddings/gallery/unreadable.parquet")).keySet(),
                        "only the corrupt image is unreadable");
            } finally {
                spark.stop();
            }
        }
    }
}
