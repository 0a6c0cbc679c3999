package org.reidspark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train job end to end on local[2]: shard, parameter averaging over two workers, evaluation, publish. */
class TrainJobTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<String> tinyTraining(Path data, Path runs) {
        return new ArrayList<>(List.of("train", "reid.spark.master=\"local[2]\"", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "--dataset", "market1501", "--root", data.toString(), "--output", runs.toString(), "--name", "t",
                "reid.shard.max-bad-fraction=0.2", "reid.input.height=32", "reid.input.width=16",
                "reid.model.backbone=resnet18", "reid.model.width=0.125", "reid.sampler.p=2", "reid.sampler.k=2",
                "reid.distributed.averaging-steps=2", "--workers", "2", "--epochs", "2",
                "reid.train.schedule.warmup-epochs=1", "reid.embed.batch-size=8"));
    }

    @Test
    void trainsWithTwoWorkersAndPublishesARun() throws Exception {
        Path data = MarketTree.write(tmp.resolve("data"));
        Path runs = tmp.resolve("runs");
        Result r = run(tinyTraining(data, runs));
        assertEquals(0, r.code, r.err + r.out);
        assertTrue(r.out.contains("with 2 workers") && r.out.contains("mAP"), r.out);
        Path dir = runs.resolve("t");
        for (String f : List.of("_PUBLISHED", "config.conf", "run.json", "metrics.json", "curve.json", "model/reid.zip",
                "checkpoints/state.bin")) {
            assertTrue(Files.exists(dir.resolve(f)), f + " missing");
        }
        assertTrue(Files.exists(runs.resolve("t.shards/_PUBLISHED")), "the shard set is published beside the run");
        JsonNode curve = new ObjectMapper().readTree(dir.resolve("curve.json").toFile());
        assertEquals(2, curve.size());
        JsonNode info = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
        assertEquals(2, info.get("workers").asInt());
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertTrue(metrics.get("validQueries").asInt() > 0, metrics.toString());
    }
}
