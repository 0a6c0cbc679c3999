package org.reidspark.jobs.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.ChildJob;
import org.reidspark.jobs.testing.GateFileSystem;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extract job's driver killed with SIGKILL (issue 18: real process faults, not exceptions in a healthy JVM): the
 * job runs in a JVM of its own, a {@link GateFileSystem} holds it at a chosen point, the test kills it there, and the
 * same command run again finishes the work and publishes once, each image embedded once as the Embedder embeds it.
 */
class ExtractProcessFaultsTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path images;

    @BeforeAll
    static void fixtures() throws Exception {
        model = ExtractFixture.publishModel(tmp.resolve("runs"), "tiny", 5);
        images = ExtractFixture.writeImages(tmp.resolve("images"));
    }

    private static List<String> args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("extract", "reid.spark.master=local[1]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.embed.batch-size=2", "reid.extract.max-bad-fraction=0.2", "--model", model.toString(),
                "--input", images.toString(), "--output", out.toString(), "--partitions", "3"));
        a.addAll(List.of(more));
        return a;
    }

    private static void assertEmbeddedOnce(Path out) throws Exception {
        JsonNode info = new ObjectMapper().readTree(out.resolve("extract.json").toFile());
        Map<String, float[]> rows = ExtractFixture.embeddings(out.resolve("embeddings.parquet"), ExtractFixture.runId(model),
                info.get("dims").asInt());
        assertEquals(ExtractFixture.GOOD.size(), rows.size(), "each readable image once");
        Map<Path, float[]> expected = ExtractFixture.reference(model, ExtractFixture.GOOD.stream().map(images::resolve).toList());
        for (Map.Entry<String, float[]> e : rows.entrySet()) {
            ExtractFixture.assertClose(expected.get(Path.of(java.net.URI.create(e.getKey()))), e.getValue(), e.getKey());
        }
        assertEquals(1, ExtractFixture.rows(out.resolve("unreadable.parquet")).size());
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("._")).toList(),
                    "no incomplete directory or lock left");
        }
    }

    @Test
    void aDriverKilledMidExtractIsFinishedByTheRerun() throws Exception {
        Path out = tmp.resolve("out/mid");
        Path work = out.resolveSibling("._incomplete-mid");
        Path reached = tmp.resolve("mid.reached");
        // local[1]: partitions 0 and 1 complete, then partition 2 stops at the gate on reading cam3/0008.jpg
        List<String> a = args(out);
        a.addAll(GateFileSystem.overrides("0008.jpg", 0, reached));
        ChildJob job = ChildJob.start(tmp.resolve("mid.log"), a);
        job.awaitFile(reached, 240);
        assertEquals(137, job.kill(), "killed by SIGKILL");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")) && Files.exists(work.resolve("done/part-00001.json")),
                job.output());
        assertFalse(Files.exists(work.resolve("done/part-00002.json")));
        assertFalse(Files.exists(out), "nothing published by the killed driver");
        assertTrue(Files.exists(out.resolveSibling("._lock-mid")), "the dead driver's lock is left behind");

        JobRun rerun = JobRun.run(args(out));
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("8 of 9 images embedded") && rerun.out().contains("partitions: 1 run now, 2 done by an earlier attempt"),
                rerun.out());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));
        assertEmbeddedOnce(out);
    }

    @Test
    void aDriverKilledMidPublishIsPublishedOnceByTheRerun() throws Exception {
        Path out = tmp.resolve("out/pub");
        Path reached = tmp.resolve("pub.reached");
        // every partition done; the driver stops while it writes the _PUBLISHED marker
        List<String> a = args(out);
        a.addAll(GateFileSystem.overrides("_PUBLISHED", 0, reached));
        ChildJob job = ChildJob.start(tmp.resolve("pub.log"), a);
        job.awaitFile(reached, 240);
        assertEquals(137, job.kill());
        assertFalse(Files.exists(out), "a publication cut short is not visible as the output");
        assertTrue(Files.exists(out.resolveSibling("._incomplete-pub/run.json")), job.output());

        JobRun rerun = JobRun.run(args(out));
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("partitions: 0 run now, 3 done by an earlier attempt"), rerun.out());
        assertTrue(Files.exists(out.resolve("_PUBLISHED")));
        assertEmbeddedOnce(out);
    }
}
