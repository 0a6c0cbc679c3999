package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench-scaling} end to end on a tiny network and the MarketTree: every configuration runs, images and bytes
 * add up, Spark's tree reduction is what the figures say. No assertion on a timing.
 */
class ScalingBenchJobTest {
    @TempDir
    Path tmp;

    @Test
    void measuresEveryConfigurationAndComputesResNet50() throws Exception {
        Path data = MarketTree.write(tmp.resolve("data"));
        Path json = tmp.resolve("scaling.json");
        // the GPU step as submit/gpu-reference/bot_step.py writes it (its real output's fields; a GPU run's values)
        Path gpuStep = tmp.resolve("bot-step-gpu.json");
        Files.writeString(gpuStep, "{\"batch\": {\"p\": 16, \"k\": 4, \"images\": 64}, \"smoke\": false, \"device\": \"NVIDIA H200\", "
                + "\"torch\": \"2.9.0\", \"iterations\": 50, \"train\": {\"median_s\": 0.2}}");
        JobRun r = TrainJobTest.run(List.of("bench-scaling", "reid.spark.master=\"local[2]\"",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.data.dataset=market1501", "reid.data.root=" + data,
                "reid.run.output=" + tmp.resolve("runs"), "reid.run.name=s", "reid.shard.max-bad-fraction=0.2",
                "reid.input.height=32", "reid.input.width=16", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.sampler.p=2", "reid.sampler.k=2", "--workers", "1,2", "--averaging-steps", "1,2", "--rounds", "1",
                "--repeats", "2", "--warmup-rounds", "2", "--resnet50-workers", "2,16", "--rounds-as", "jobs,resident",
                "--gpu-workers", "4,64", "--gpu-step-from", gpuStep.toString(),
                "--json", json.toString()));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("speed-up 2 vs 1 workers, K=2, jobs") && r.out().contains("speed-up 2 vs 1 workers, K=2, resident"), r.out());
        assertTrue(Files.exists(tmp.resolve("runs/s-scaling-shards-2/_PUBLISHED")), "a shard set per worker count");
        JsonNode report = new ObjectMapper().readTree(json.toFile());

        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : report.get("configurations")) {
            rows.put(row.get("workers").asInt() + "/" + row.get("averagingSteps").asInt() + "/" + row.get("roundsAs").asText(), row);
        }
        assertEquals(8, rows.size(), report.toString());
        long perWorkerReturned = report.get("state").get("returnedBytes").asLong();
        for (JsonNode row : rows.values()) {
            int workers = row.get("workers").asInt();
            int steps = row.get("averagingSteps").asInt();
            assertEquals(2, row.get("rounds").asInt(), "one round in each of two passes");
            assertEquals(2L * workers * steps * 4, row.get("images").asLong(),
                    "rounds x workers x K x (P x K images), of the timed blocks only (the warm-up has 2 rounds)");
            assertEquals(2, row.get("passes").size());
            double fraction = row.get("averagingFraction").asDouble();
            assertTrue(fraction >= 0 && fraction < 1, row.toString());
            assertEquals(workers, row.get("driverResultsPerRound").asInt(), "no tree level below 3 workers: " + row);
            assertEquals(0.0, row.get("shuffleBytesPerRound").asDouble(), row.toString());
            double returnedPerWorker = row.get("returnedBytesPerRound").asDouble() / workers;
            if (row.get("roundsAs").asText().equals("jobs")) {
                assertTrue(returnedPerWorker >= perWorkerReturned && returnedPerWorker < 1.5 * perWorkerReturned,
                        "Spark's task results carry each worker's state: " + returnedPerWorker + " vs raw " + perWorkerReturned);
            } else {
                assertTrue(returnedPerWorker < perWorkerReturned / 100.0, "resident workers send their states over their own "
                        + "connections, not as Spark's task results: " + returnedPerWorker + " vs raw " + perWorkerReturned);
            }
            assertTrue(row.get("broadcastBytesPerRound").asLong() > 0, row.toString());
        }
        for (String w : List.of("1", "2")) {
            double floor = report.get("sparkRoundFloorSeconds").get(w).asDouble();
            assertTrue(floor > 0, "Spark's cost of an empty round with " + w + " workers: " + floor);
        }
        assertEquals(4, report.get("speedups").size(), "2 K x 2 ways of running rounds");
        for (JsonNode s : report.get("speedups")) {
            assertTrue(s.get("ratio").asDouble() > 0 && s.get("perPass").size() == 2, s.toString());
        }

        JsonNode r50 = report.get("resnet50");
        long params = r50.get("parameters").asLong();
        // torchvision's ResNet-50 without its fc layer has 23.5 M parameters; BoT adds a 2048 x 751 classifier (1.54 M)
        // and the BNNeck; DL4J also counts batch-norm running means and variances (57 K) as parameters
        assertTrue(params > 25_000_000 && params < 25_300_000, "ResNet-50 parameters " + params);
        long adam = r50.get("optimizerValues").asLong();
        assertTrue(adam > 2 * (params - 200_000) && adam < 2 * params, "Adam: two moments per trainable parameter, " + adam);
        assertEquals(751L * 2048, r50.get("mergedAux").asLong(), "BoT's center-loss centers: classes x 2048");
        Map<String, JsonNode> rounds = new HashMap<>();
        for (JsonNode d : r50.get("rounds")) rounds.put(d.get("workers").asInt() + "@" + d.get("depth").asInt(), d);
        assertEquals(6, rounds.size(), "2 and 16 workers at depths 1, 2, 3");
        for (int depth = 1; depth <= 3; depth++) {
            assertEquals(2, rounds.get("2@" + depth).get("driverResults").asInt(), "2 partitions never get a tree level");
        }
        assertEquals(16, rounds.get("16@1").get("driverResults").asInt(), "depth 1: every partition's result goes to the driver");
        JsonNode sixteen = rounds.get("16@2");
        int partialSums = sixteen.get("driverResults").asInt();
        assertTrue(partialSums > 1 && partialSums < 16, "depth 2 adds a level for 16 partitions: " + partialSums);
        long returned = r50.get("returnedBytes").asLong();
        assertEquals(partialSums * returned, sixteen.get("driverInBytes").asLong());
        assertEquals(16 * returned, rounds.get("16@1").get("driverInBytes").asLong());
        assertTrue(sixteen.get("serialMinBytes").asLong() < rounds.get("16@1").get("serialMinBytes").asLong(),
                "the tree level takes load off the driver's link");
        // the modelled GPU cluster: 2 worker counts x 2 links x 2 ways of running rounds
        JsonNode gpu = report.get("gpuModel");
        String source = "measured: PyTorch 2.9.0 on NVIDIA H200, median of 50 steps, from bot-step-gpu.json";
        assertEquals(source, report.get("gpuStep").get("source").asText());
        assertTrue(r.out().contains("a step of 0.200 s (" + source + ")"), r.out());
        assertEquals(8, gpu.size(), gpu.toString());
        for (JsonNode g : gpu) {
            int w = g.get("workers").asInt();
            double gbit = g.get("gbit").asDouble();
            assertEquals(0.2, g.get("stepSeconds").asDouble());
            assertEquals(Math.round(2.0 * (w - 1) / w * params * 4), g.get("allReduceBytesPerStep").asLong(), "ring all-reduce");
            assertEquals(g.get("fullSerialBytes").asLong() * 8 / (gbit * 1e9), g.get("fullSeconds").asDouble(), 1e-9);
            for (String x : List.of("full", "compact")) {
                double comm = g.get(x + "Seconds").asDouble();
                int k = g.get(x + "StepsForTenPercent").asInt();
                assertTrue(comm / (comm + k * 0.2) <= 0.1 + 1e-12 && (k == 1 || comm / (comm + (k - 1) * 0.2) > 0.1), g.toString());
            }
            assertTrue(g.get("compactSerialBytes").asLong() < g.get("fullSerialBytes").asLong(), g.toString());
        }
        JsonNode resident64 = null;
        JsonNode jobs64 = null;
        for (JsonNode g : gpu) {
            if (g.get("workers").asInt() == 64 && g.get("gbit").asDouble() == 10) {
                if (g.get("roundsAs").asText().equals("resident")) resident64 = g;
                else jobs64 = g;
            }
        }
        assertEquals(64L * (r50.get("broadcastBytes").asLong() + returned), resident64.get("fullSerialBytes").asLong(),
                "resident rounds: every copy out of the driver and every state into it");
        assertTrue(jobs64.get("fullSerialBytes").asLong() < resident64.get("fullSerialBytes").asLong() / 4,
                "a torrent broadcast and a tree take most of that off the driver's link");
        for (String at : List.of("2@2", "16@2")) { // issue 20: at most a third of the full exchange's bytes
            double ratio = rounds.get(at).get("compactTotalBytes").asDouble() / rounds.get(at).get("totalBytes").asDouble();
            assertTrue(ratio <= 1.0 / 3, "compact / full bytes per round for ResNet-50 at " + at + ": " + ratio);
            double synced = rounds.get(at).get("compactOptimizerEvery16TotalBytes").asDouble() / rounds.get(at).get("totalBytes").asDouble();
            assertTrue(synced > ratio && synced <= 1.0 / 3, "with the optimizer averaged every 16 rounds at " + at + ": " + synced);
        }
    }

    @Test
    void badWorkerCountsAreAUsageError() {
        JobRun r = TrainJobTest.run(List.of("bench-scaling", "--workers", "1,0"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--workers needs whole numbers of at least 1"), r.err());
    }

    @Test
    void aGpuStepFileThatIsNotThereIsAUsageErrorBeforeAnyWork() {
        Path absent = tmp.resolve("bot-step-gpu.json");
        JobRun r = TrainJobTest.run(List.of("bench-scaling", "--gpu-step-from", absent.toString()));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--gpu-step-from " + absent + ": cannot read it as JSON"), r.err());
    }
}
