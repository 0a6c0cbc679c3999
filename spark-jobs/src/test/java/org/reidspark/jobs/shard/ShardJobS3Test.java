package org.reidspark.jobs.shard;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.shard.Shard;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.SparkSessions;
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

/** The shard job through S3A against a real S3 API (s3proxy on loopback), and against an unreachable endpoint. */
class ShardJobS3Test {
    @TempDir
    static Path tmp;
    static Path root;
    static S3Proxy s3;

    @BeforeAll
    static void start() throws Exception {
        root = MarketTree.write(tmp.resolve("market"));
        s3 = S3Proxy.start();
        assertEquals(MarketTree.SAMPLES, s3.upload(root, "datasets/market"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) s3.close();
    }

    @Test
    void shardsFromS3ToS3AndReadsItBack() throws Exception {
        List<String> args = new ArrayList<>(s3.overrides());
        args.addAll(List.of("--root", s3.uri("datasets/market"), "--output", s3.uri("sets/market"), "--shards", "2",
                "--max-bad-fraction", "0.1"));
        JobRun r = MarketTree.shard(args);
        assertEquals(0, r.code(), r.err());

        List<String> keys = s3.keys("sets/");
        assertTrue(keys.contains("sets/market/_PUBLISHED"), keys.toString());
        assertTrue(keys.contains("sets/market/shard.json"), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.startsWith("sets/market/manifest.parquet/part-")), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.startsWith("sets/market/shards/split=train/shard=1/part-")), keys.toString());
        assertFalse(keys.stream().anyMatch(k -> k.contains("._tmp-") || k.contains("/_temporary/")), "no temporary objects: " + keys);
        String badList = new String(s3.get("sets/market/bad-images.csv"), StandardCharsets.UTF_8);
        assertTrue(badList.contains(s3.uri("datasets/market/" + MarketTree.FOLDER + "/bounding_box_train/" + MarketTree.CORRUPT)), badList);
        JsonNode info = new ObjectMapper().readTree(s3.get("sets/market/shard.json"));
        assertEquals(s3.uri("datasets/market/" + MarketTree.FOLDER), info.get("root").asText());

        JobContext ctx = MarketTree.context(s3.overrides());
        SparkSession spark = SparkSessions.create(ctx);
        try {
            ShardSet set = ShardSet.open(ctx.storage(), s3.uri("sets/market"));
            assertEquals(MarketTree.SAMPLES, set.manifest(spark).count());
            int images = 0;
            for (int k = 0; k < set.shards(Split.TRAIN); k++) {
                Shard shard = set.load(spark, Split.TRAIN, k);
                for (Sample s : shard.samples()) {
                    assertTrue(s.uri().startsWith(s3.uri("datasets/market/")), s.uri());
                    byte[] file = Files.readAllBytes(MarketTree.file(root, Split.TRAIN, MarketTree.name(s.uri())));
                    assertEquals(MarketTree.expected(file), shard.images().image(s.uri()), s.uri());
                    images++;
                }
            }
            assertEquals(13, images, "14 training images less the corrupt one");
        } finally {
            spark.stop();
        }
    }

    @Test
    void anUnreachableEndpointFailsWithAClearError() throws Exception {
        String endpoint = S3Proxy.unreachableEndpoint();
        List<String> args = new ArrayList<>(S3Proxy.overrides(endpoint));
        Path out = tmp.resolve("unreachable");
        args.addAll(List.of("reid.s3.attempts=1", "reid.s3.connect-timeout-ms=2000",
                "--root", "s3a://reid-unreachable/market", "--output", out.resolve("market").toString()));
        JobRun r = MarketTree.shard(args);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(endpoint.replace("http://", "")) && r.err().contains("reid.s3.endpoint")
                && r.err().contains("s3a://reid-unreachable/market"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        if (Files.exists(out)) {
            try (Stream<Path> left = Files.list(out)) {
                assertEquals(List.of(), left.toList(), "no output left behind");
            }
        }
    }
}
