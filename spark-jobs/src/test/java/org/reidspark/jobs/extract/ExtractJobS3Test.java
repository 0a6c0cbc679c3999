package org.reidspark.jobs.extract;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The extract job through S3A against a real S3 API (s3proxy on loopback): model and images read from s3a://, output written there. */
class ExtractJobS3Test {
    @TempDir
    Path tmp;

    @Test
    void embedsImagesFromS3IntoParquetOnS3() throws Exception {
        Path model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 7);
        Path images = ExtractFixture.writeImages(tmp.resolve("images"));
        try (S3Proxy s3 = S3Proxy.start()) {
            s3.upload(images, "images");
            s3.upload(model, "runs/tiny");
            List<String> args = new ArrayList<>(s3.overrides());
            args.addAll(List.of("--model", s3.uri("runs/tiny"), "--input", s3.uri("images"),
                    "--output", s3.uri("embeddings/gallery"), "--partitions", "2"));
            JobRun r = ExtractFixture.extract(args);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("8 of 9 images embedded") && r.out().contains("1 unreadable")
                    && r.out().contains(s3.uri("embeddings/gallery")), r.out());

            List<String> keys = s3.keys("embeddings/");
            for (String k : List.of("_PUBLISHED", "extract.json", "plan.json", "config.conf", "run.json",
                    "embeddings.parquet/part-00000.parquet", "embeddings.parquet/part-00001.parquet",
                    "unreadable.parquet/part-00001.parquet", "done/part-00001.json")) {
                assertTrue(keys.contains("embeddings/gallery/" + k), k + " in " + keys);
            }
            assertFalse(keys.stream().anyMatch(k -> k.contains("/.") || k.contains("._incomplete")), "no temporary objects: " + keys);
            JsonNode info = new ObjectMapper().readTree(s3.get("embeddings/gallery/extract.json"));
            assertEquals(s3.uri("runs/tiny"), info.get("model").asText());
            assertEquals("prefix", info.get("inputKind").asText());
            assertEquals(s3.uri("images"), info.get("source").asText());

            // read back through S3A: the s3a:// uris, embedded as the Embedder embeds the local copies
            List<String> hadoop = s3.hadoopProperties();
            Map<Path, float[]> expected = ExtractFixture.reference(model,
                    ExtractFixture.GOOD.stream().map(images::resolve).toList());
            SparkSession spark = ExtractFixture.spark(hadoop);
            try {
                Map<String, float[]> rows = ExtractFixture.embeddings(spark, s3.uri("embeddings/gallery/embeddings.parquet"),
                        info.get("modelRunId").asText(), info.get("dims").asInt());
                assertEquals(8, rows.size());
                for (Map.Entry<String, float[]> e : rows.entrySet()) {
                    String prefix = s3.uri("images/");
                    assertTrue(e.getKey().startsWith(prefix), e.getKey());
                    ExtractFixture.assertClose(expected.get(images.resolve(e.getKey().substring(prefix.length()))), e.getValue(), e.getKey());
                }
                assertEquals(Set.of(s3.uri("images/" + ExtractFixture.CORRUPT)),
                        ExtractFixture.unreadable(spark, s3.uri("embeddings/gallery/unreadable.parquet")).keySet());
            } finally {
                spark.stop();
            }
        }
    }
}
