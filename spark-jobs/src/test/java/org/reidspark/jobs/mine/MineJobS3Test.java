package org.reidspark.jobs.mine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mine job through S3A against a real S3 API (s3proxy on loopback): an extract output read from s3a://, the
 * neighbour partitions and the result written there, published by its {@code _PUBLISHED} marker, and the negatives
 * those of the brute-force reference.
 */
class MineJobS3Test {
    @TempDir
    Path tmp;

    @Test
    void minesEmbeddingsOnS3IntoNegativesOnS3() throws Exception {
        int n = 30;
        float[][] rows = MineFixture.integers(n, 4, 3, 23);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) keys.add(String.format("s3a://images/cam%d/%04d.jpg", i % 3, i));
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        float[][] inKeyOrder = new float[n][];
        for (int i = 0; i < n; i++) inKeyOrder[i] = rows[keys.indexOf(sorted.get(i))];
        Path local = MineFixture.writeEmbeddings(tmp.resolve("emb"), keys, rows);
        try (S3Proxy s3 = S3Proxy.start()) {
            s3.upload(local, "embeddings/train");
            List<String> args = new ArrayList<>(s3.overrides());
            args.addAll(List.of("--embeddings", s3.uri("embeddings/train"), "--output", s3.uri("negatives/train"),
                    "--walk", "6", "--block-size", "8", "--partitions", "3"));
            JobRun r = MineFixture.mine(args);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(s3.uri("negatives/train")) && r.out().contains("partitions: 3 run now"), r.out());

            List<String> objects = s3.keys("negatives/");
            for (String k : List.of("_PUBLISHED", "mining.json", "plan.json", "config.conf", "run.json", "negatives.parquet",
                    "neighbours.parquet/part-00000.parquet", "neighbours.parquet/part-00002.parquet", "done/part-00002.json")) {
                assertTrue(objects.contains("negatives/train/" + k), k + " in " + objects);
            }
            assertFalse(objects.stream().anyMatch(k -> k.contains("/.") || k.contains("._incomplete")), "no temporary objects: " + objects);
            JsonNode info = new ObjectMapper().readTree(s3.get("negatives/train/mining.json"));
            List<MineFixture.Negative> expected = MineFixture.reference(sorted, inKeyOrder, 6, 3);
            assertEquals(expected.size(), info.get("found").asLong());
            Path back = tmp.resolve("negatives.parquet");
            Files.write(back, s3.get("negatives/train/negatives.parquet"));
            assertEquals(expected, MineFixture.negatives(back));
        }
    }
}
