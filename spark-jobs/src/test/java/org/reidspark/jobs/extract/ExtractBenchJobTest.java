package org.reidspark.jobs.extract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;
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
 * {@code extract-bench} runs every arm on a tiny model and image tree (one image corrupt: left out of the compute-only
 * set, listed unreadable by the job) and a shard set's query and gallery: the images and the shard set staged to S3
 * through s3proxy once, each job round's output removed,
 * the Parquet writers' files compared value by value. Nothing about the figures is asserted (timings are not tested).
 */
class ExtractBenchJobTest {
    @TempDir
    Path tmp;

    @Test
    void everyArmRunsAndTheWritersAgree() throws Exception {
        Path model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 7);
        Path images = ExtractFixture.writeImages(tmp.resolve("images"));
        Path set = tmp.resolve("sets/market");
        JobRun shard = JobRun.run(List.of("shard", "reid.data.dataset=market1501", "reid.spark.master=local[2]",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.input.height=32", "reid.input.width=16",
                "--root", MarketTree.write(tmp.resolve("market")).toString(), "--shards", "2", "--output", set.toString(),
                "--max-bad-fraction", "0.1"));
        assertEquals(0, shard.code(), shard.err());
        try (S3Proxy s3 = S3Proxy.start()) {
            List<String> args = new ArrayList<>(List.of("extract-bench", "reid.spark.master=local[2]",
                    "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.embed.batch-size=2", "reid.extract.max-bad-fraction=0.3",
                    "reid.extract.npy=false", "--model", model.toString(), "--input", images.toString(), "--s3", s3.uri("bench/"),
                    "--work", tmp.resolve("work").toString(), "--rounds", "2",
                    "--shards", set.toString(), "--splits", "query,gallery", "--parquet-rows", "30", "--parquet-dims", "16"));
            args.addAll(s3.overrides());
            JobRun r = JobRun.run(args);
            assertEquals(0, r.code(), r.err());
            String out = r.out();
            assertTrue(out.contains("copied " + ExtractFixture.LISTED + " images to " + s3.uri("bench/images")), out);
            for (int round = 1; round <= 2; round++) {
                for (String arm : List.of("compute: " + ExtractFixture.GOOD.size() + " images", "decode: " + ExtractFixture.GOOD.size()
                        + " images", "lanes: " + ExtractFixture.GOOD.size() + " images on 2 lanes", "local: " + ExtractFixture.LISTED + " images, job", "s3: " + ExtractFixture.LISTED
                        + " images, job", "shards: 7 images, job", "shards-s3: 7 images, job")) {
                    assertTrue(out.contains("round " + round + " " + arm), "round " + round + " " + arm + " in\n" + out);
                }
            }
            assertTrue(out.contains(ExtractFixture.LISTED - ExtractFixture.GOOD.size() + " of " + ExtractFixture.LISTED
                    + " images left out of the compute-only set (unreadable)"), out);
            for (String arm : List.of("compute", "lanes", "decode", "local", "s3", "shards", "shards-s3")) assertTrue(out.contains("\n  " + arm + " "), arm + " in\n" + out);
            assertTrue(out.contains("the two files read back equal (30 rows compared value by value)"), out);
            // the images were staged once, and no round's output is left behind
            List<String> keys = s3.keys("bench/");
            assertEquals(ExtractFixture.LISTED, keys.stream().filter(k -> k.startsWith("bench/images/")).count(), keys.toString());
            assertFalse(keys.stream().anyMatch(k -> k.startsWith("bench/out-")), keys.toString());
            assertTrue(out.contains("copied the shard set ") && keys.contains("bench/shards/_PUBLISHED"), keys.toString());
            try (var left = Files.list(tmp.resolve("work"))) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("out-")), "local outputs removed");
            }
        }
    }

    @Test
    void jobLanesRunEveryJobArmOncePerSetting() throws Exception {
        Path model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 7);
        Path images = ExtractFixture.writeImages(tmp.resolve("images"));
        JobRun r = JobRun.run("extract-bench", "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.embed.batch-size=2", "reid.extract.max-bad-fraction=0.3", "reid.extract.npy=false", "--model", model.toString(),
                "--input", images.toString(), "--work", tmp.resolve("work").toString(), "--rounds", "1", "--job-lanes", "1,2",
                "--parquet-rows", "10", "--parquet-dims", "4");
        assertEquals(0, r.code(), r.err());
        for (String arm : List.of("local lanes=1", "local lanes=2")) {
            assertTrue(r.out().contains("round 1 " + arm + ": " + ExtractFixture.LISTED + " images, job"), arm + " in\n" + r.out());
            assertTrue(r.out().contains("\n  " + arm + " "), arm + " summarized in\n" + r.out());
        }
        JobRun bad = JobRun.run("extract-bench", "--model", model.toString(), "--input", images.toString(), "--job-lanes", "1,x");
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("--job-lanes takes lane counts"), bad.err());
    }

    @Test
    void anS3ArmNeedsAnS3Prefix() throws Exception {
        JobRun r = JobRun.run("extract-bench", "--model", "runs/none", "--input", tmp.toString(), "--s3", tmp.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--s3 needs an s3a:// prefix, got " + tmp), r.err());
    }
}
