package org.reidspark.jobs.augment;

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
 * The augment job through S3A against a real S3 API (s3proxy on loopback): a shard set read from s3a://, the partitions
 * and the surrogate set written there, published by its {@code _PUBLISHED} marker, with the same surrogates as a run on
 * local disk.
 */
class AugmentJobS3Test {
    @TempDir
    Path tmp;

    @Test
    void augmentsAShardSetOnS3IntoASurrogateSetOnS3() throws Exception {
        Path shards = AugmentFixture.shardSet(tmp);
        Path local = tmp.resolve("out/local");
        assertEquals(0, AugmentFixture.augment(List.of("--shards", shards.toString(), "--output", local.toString(),
                "--copies", "2")).code());
        try (S3Proxy s3 = S3Proxy.start()) {
            s3.upload(shards, "sets/market");
            List<String> args = new ArrayList<>(s3.overrides());
            args.addAll(List.of("--shards", s3.uri("sets/market"), "--output", s3.uri("surrogates/market"), "--copies", "2"));
            JobRun r = AugmentFixture.augment(args);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(s3.uri("surrogates/market")) && r.out().contains("partitions: 2 run now"), r.out());

            List<String> objects = s3.keys("surrogates/");
            for (String k : List.of("_PUBLISHED", "augment.json", "plan.json", "config.conf", "run.json",
                    "surrogates/part-00000.parquet", "surrogates/part-00001.parquet", "done/part-00001.json")) {
                assertTrue(objects.contains("surrogates/market/" + k), k + " in " + objects);
            }
            assertFalse(objects.stream().anyMatch(k -> k.contains("/.") || k.contains("._incomplete")), "no temporary objects: " + objects);
            JsonNode info = new ObjectMapper().readTree(s3.get("surrogates/market/augment.json"));
            assertEquals(AugmentFixture.TRAIN_IMAGES * 2, info.get("surrogates").asLong());
            assertEquals(s3.uri("sets/market"), info.get("source").asText());

            Path back = tmp.resolve("back");
            for (int k = 0; k < 2; k++) {
                Path f = back.resolve("surrogates/part-0000" + k + ".parquet");
                Files.createDirectories(f.getParent());
                Files.write(f, s3.get("surrogates/market/surrogates/part-0000" + k + ".parquet"));
            }
            List<String> fromS3 = AugmentFixture.rows(back).stream().map(AugmentFixture.Row::id).toList();
            assertEquals(AugmentFixture.TRAIN_IMAGES * 2, fromS3.size());
            assertEquals(AugmentFixture.rows(local).stream().map(AugmentFixture.Row::id).toList(), fromS3,
                    "the same surrogates as on local disk");
        }
    }
}
