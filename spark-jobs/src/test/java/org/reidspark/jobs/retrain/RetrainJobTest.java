package org.reidspark.jobs.retrain;

import org.reidspark.jobs.testing.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.registry.Lease;
import org.reidspark.registry.Registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retrain and registry jobs in-process on a local registry: settings refused before any work; a busy registry left
 * alone; then one registry through a first run, a run with nothing to do (which writes nothing), a run that fails in
 * training (the champion and its embeddings untouched), newer data that supersedes the stopped candidate, a
 * rollback and a promotion by people, a holdout other than the pinned one, and training data that holds a holdout
 * image. The gate is opened wide here (tolerances of 1) and candidates train 2 epochs: what the gate decides on real
 * figures is {@code RetrainCronIT}'s part.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrainJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Storage storage = new Storage(new Configuration());
    private RetrainData data;
    private Path holdout;

    @BeforeAll
    void data(@TempDir Path dir) throws Exception {
        data = RetrainData.generate(dir);
        holdout = dir.resolve("holdout");
        data.shardHoldout(holdout.toString(), List.of());
    }

    private List<String> retrain(Path root, Path registry, String... extra) {
        List<String> args = new ArrayList<>(List.of("retrain"));
        args.addAll(RetrainData.settings());
        args.addAll(List.of("--root", root.toString(), "--registry", registry.toString(), "--holdout", holdout.toString(),
                "--collection", data.collection().toString(), "reid.retrain.gate.map-tolerance=1",
                "reid.retrain.gate.rank1-margin=1", "reid.train.epochs=2", "reid.run.output=\"" + registry.resolveSibling("unused") + "\""));
        args.addAll(List.of(extra));
        return args;
    }

    private static JobRun registry(Path registry, String... args) {
        List<String> all = new ArrayList<>(List.of("registry", "reid.spark.master=\"local[2]\"",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "--registry", registry.toString(),
                "reid.input.height=" + RetrainData.HEIGHT, "reid.input.width=" + RetrainData.WIDTH));
        all.addAll(List.of(args));
        return JobRun.run(all);
    }

    @Test
    void badSettingsFailBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("data");
        data.writeInitial(root);
        Path registry = tmp.resolve("registry");
        Map<String, String> bad = Map.of(
                "reid.retrain.holdout=\"\"", "reid.retrain.holdout",
                "reid.train.init-from=/somewhere", "reid.train.init-from",
                "reid.retrain.warm-start=yesterday", "champion, scratch",
                "reid.retrain.lease.settle-ms=9000", "reid.retrain.lease.settle-ms",
                "reid.retrain.gate.map-tolerance=-1", "reid.retrain.gate.map-tolerance",
                "reid.retrain.registry=\"\"", "reid.retrain.registry");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            JobRun r = JobRun.run(retrain(root, registry, e.getKey()));
            assertEquals(2, r.code(), e.getKey() + ": " + r.err() + r.out());
            assertTrue(r.err().contains(e.getValue()), e.getKey() + ": " + r.err());
            assertFalse(Files.exists(registry), e.getKey() + ": nothing is written");
        }
        JobRun usage = registry(registry, "lst");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("list | show VERSION | history | promote VERSION"), usage.err());
        JobRun reason = registry(registry, "rollback");
        assertEquals(2, reason.code());
        assertTrue(reason.err().contains("--reason"), reason.err());
    }

    @Test
    void aRunThatFindsTheRegistryBusyChangesNothingAndExitsFour(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("data");
        data.writeInitial(root);
        Path registry = tmp.resolve("registry");
        Path status = tmp.resolve("status.json");
        try (Lease held = Lease.acquire(storage, Registry.at(storage, registry.toString()).lease(), "a test holding the lease",
                Duration.ofMinutes(5), Duration.ZERO)) {
            JobRun r = JobRun.run(retrain(root, registry, "--status-file", status.toString()));
            assertEquals(RetrainJob.BUSY, r.code(), r.err() + r.out());
            assertTrue(r.out().contains("busy") && r.out().contains("a test holding the lease"), r.out());
            assertEquals("", r.err(), "a busy registry is not an error");
            try (Stream<Path> s = Files.list(registry)) {
                assertEquals(List.of("lease.json"), s.map(p -> p.getFileName().toString()).toList());
            }
            JsonNode st = JSON.readTree(status.toFile());
            assertEquals("busy", st.get("state").asText());
            assertEquals(RetrainJob.BUSY, st.get("exitCode").asInt());
            held.check();
        }
    }

    @Test
    void aRegistryThroughPromotionNothingToDoAFailureSupersededDataRollbackAndPromotion(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("data");
        data.writeInitial(root);
        Path registry = tmp.resolve("registry");
        Registry reg = Registry.at(storage, registry.toString());

        // 1. the first run: data version d0001, candidate v0001 from scratch, promoted, the collection embedded
        JobRun first = JobRun.run(retrain(root, registry, "--status-file", tmp.resolve("s1.json").toString()));
        assertEquals(0, first.code(), first.err() + first.out());
        assertTrue(first.out().contains("retrain: v0001 promoted"), first.out());
        Registry.Champion c1 = ChampionCheck.check(storage, registry.toString(), 120);
        assertEquals("v0001", c1.version());
        assertEquals("scratch", reg.version("v0001").orElseThrow().warmStart());
        JsonNode s1 = JSON.readTree(tmp.resolve("s1.json").toFile());
        assertEquals("promoted", s1.get("state").asText());
        assertEquals(List.of("detect", "train", "evaluate-candidate", "extract"),
                names(s1.get("stages")), "no champion to evaluate on the first run");

        // 2. nothing new: one line, exit 0, the registry unchanged to the byte
        Map<String, Long> before = files(registry);
        String alias = Files.readString(registry.resolve("champion.json"));
        JobRun idle = JobRun.run(retrain(root, registry, "--status-file", tmp.resolve("s2.json").toString()));
        assertEquals(0, idle.code(), idle.err());
        assertEquals(1, idle.out().lines().count(), idle.out());
        assertTrue(idle.out().startsWith("retrain: no new data in ") && idle.out().contains("d0001"), idle.out());
        assertEquals(before, files(registry), "a run with nothing to do writes nothing");
        assertEquals("nothing-to-do", JSON.readTree(tmp.resolve("s2.json").toFile()).get("state").asText());

        // 3. new data, and the training fails (an injected fault, no retries): exit 1, the champion and embeddings untouched
        data.addGood(root);
        JobRun failed = JobRun.run(retrain(root, registry, "reid.distributed.fault-round=1",
                "--status-file", tmp.resolve("s3.json").toString()));
        assertEquals(1, failed.code(), failed.out());
        assertTrue(failed.err().contains("injected fault"), failed.err());
        assertEquals(alias, Files.readString(registry.resolve("champion.json")), "the champion alias is untouched");
        ChampionCheck.check(storage, registry.toString(), 120);
        JsonNode s3 = JSON.readTree(tmp.resolve("s3.json").toFile());
        assertEquals("failed", s3.get("state").asText());
        assertEquals(1, s3.get("exitCode").asInt());
        assertEquals("train", s3.get("stages").get(s3.get("stages").size() - 1).get("name").asText());
        assertTrue(reg.version("v0002").isEmpty(), "v0002 is not decided");
        assertFalse(Files.exists(registry.resolve("lease.json")), "a failed run lets the lease go");

        // 4. more data before v0002 was finished: d0003 supersedes it, v0003 starts from the champion's weights
        data.addCorrupt(root);
        JobRun next = JobRun.run(retrain(root, registry));
        assertEquals(0, next.code(), next.err() + next.out());
        assertTrue(next.out().contains("new data version d0003") && next.out().contains("retrain: v0003 promoted"), next.out());
        assertEquals("superseded", reg.version("v0002").orElseThrow().decision().outcome());
        Registry.VersionRecord v3 = reg.version("v0003").orElseThrow();
        assertEquals("v0001", v3.warmStart());
        assertEquals("v0001", v3.championVersion());
        assertTrue(v3.champion().mAP() > 0 && v3.candidate().validQueries() == 40, v3.toString());
        JsonNode run3 = JSON.readTree(registry.resolve("versions/v0003/run.json").toFile());
        assertEquals(c1.runId(), run3.get("initFrom").get("runId").asText());
        assertTrue(run3.get("initFrom").get("layersKept").get("reid").toString().contains("12] here"),
                "the classifier over 12 people starts afresh: " + run3.get("initFrom"));
        Registry.Champion c3 = ChampionCheck.check(storage, registry.toString(), 120);
        assertEquals("v0003", c3.version());

        // 5. people: a rollback goes back to v0001 (its embeddings reused), a promotion forward again
        long embeddings = count(registry.resolve("embeddings"));
        JobRun back = registry(registry, "rollback", "--reason", "a complaint about v0003");
        assertEquals(0, back.code(), back.err());
        assertTrue(back.out().contains("rolled back to v0001 (was v0003)"), back.out());
        assertEquals(c1.embeddings(), ChampionCheck.check(storage, registry.toString(), 120).embeddings());
        assertEquals(embeddings, count(registry.resolve("embeddings")), "the rollback re-used v0001's embeddings");
        JobRun forward = registry(registry, "promote", "v0003", "--reason", "fixed");
        assertEquals(0, forward.code(), forward.err());
        assertEquals("v0003", ChampionCheck.check(storage, registry.toString(), 120).version());
        JobRun superseded = registry(registry, "promote", "v0002", "--reason", "try");
        assertEquals(2, superseded.code());
        assertTrue(superseded.err().contains("superseded") && superseded.err().contains("no model"), superseded.err());

        JobRun list = registry(registry, "list");
        assertEquals(0, list.code(), list.err());
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.get(0).contains("champion v0003"), list.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("* v0003") && l.contains("promoted")), list.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  v0002") && l.contains("superseded")), list.out());
        JobRun show = registry(registry, "show", "v0003");
        assertTrue(show.out().contains("\"warmStart\" : \"v0001\"") && show.out().contains("champion since"), show.out());
        JobRun history = registry(registry, "history");
        List<String> events = history.out().lines().map(l -> l.replaceAll("\\s+", " ").split(" ")[2] + " "
                + l.replaceAll("\\s+", " ").split(" ")[3]).toList();
        assertEquals(List.of("data d0001", "decision v0001", "champion v0001", "data d0002", "data d0003", "decision v0002",
                "decision v0003", "champion v0003", "champion v0001", "champion v0003"), events, history.out());

        // 6. the holdout is pinned: another one is refused, and so is training data that holds one of its images
        Path copy = tmp.resolve("other-holdout");
        TestFiles.copyTree(holdout, copy);
        JobRun other = JobRun.run(retrain(root, registry, "--holdout", copy.toString()));
        assertEquals(2, other.code(), other.out());
        assertTrue(other.err().contains("pinned") && other.err().contains(holdout.getFileName().toString()), other.err());
        Path leak;
        try (Stream<Path> s = Files.list(data.holdoutPool.resolve(RetrainData.FOLDER).resolve("bounding_box_train"))) {
            leak = s.sorted().findFirst().orElseThrow();
        }
        Files.copy(leak, root.resolve(RetrainData.FOLDER).resolve("bounding_box_train").resolve(leak.getFileName()));
        JobRun leaked = JobRun.run(retrain(root, registry));
        assertEquals(2, leaked.code(), leaked.out());
        assertTrue(leaked.err().contains("holdout must never be trained on") && leaked.err().contains(leak.getFileName().toString()),
                leaked.err());
        assertEquals(List.of("d0001", "d0002", "d0003"), reg.dataVersions().stream().map(Registry.DataVersion::name).toList());
    }

    private static List<String> names(JsonNode stages) {
        List<String> out = new ArrayList<>();
        stages.forEach(s -> out.add(s.get("name").asText()));
        return out;
    }

    /** Every file below {@code dir} with its size and modification time. */
    private static Map<String, Long> files(Path dir) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

}
