package org.reidspark.registry;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's records on a local disk: data versions with what changed, version records, the champion alias, the
 * history (numbered; events a stopped run left out logged again once), and the champions a rollback goes back through.
 */
class RegistryTest {
    @TempDir
    java.nio.file.Path tmp;

    private final Storage storage = new Storage(new Configuration());

    private Sample sample(String name, String content, int pid, int label) throws Exception {
        java.nio.file.Path f = tmp.resolve("data").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return new Sample(f.toString(), pid, label, 0, -1, Split.TRAIN);
    }

    @Test
    void dataVersionsRecordWhatWasAddedAndRemoved() throws Exception {
        Registry registry = Registry.at(storage, tmp.resolve("registry").toString());
        assertTrue(registry.latestData().isEmpty());
        Manifest m1 = new Manifest("t", tmp.resolve("data").toString(), List.of(sample("a", "1", 1, 0), sample("b", "2", 2, 1)));
        DataIndex i1 = DataIndex.build(storage, m1, null, 1).index();
        Registry.DataVersion d1 = registry.recordData(i1, m1, null, null);
        assertEquals("d0001", d1.name());
        assertEquals(2, d1.added().get("images"));
        assertEquals(List.of(1, 2), d1.added().get("trainIdentities"));

        Manifest m2 = new Manifest("t", tmp.resolve("data").toString(), List.of(sample("a", "1", 1, 0), sample("c", "3", 3, 1)));
        DataIndex i2 = DataIndex.build(storage, m2, i1, 1).index();
        Registry.DataVersion d2 = registry.recordData(i2, m2, d1, registry.index(d1));
        assertEquals("d0002", d2.name());
        assertEquals("d0001", d2.parent());
        assertEquals(1, d2.added().get("images"));
        assertEquals(List.of(3), d2.added().get("trainIdentities"));
        assertEquals(List.of(2), d2.removed().get("trainIdentities"));
        assertEquals(List.of("d0001", "d0002"), registry.dataVersions().stream().map(Registry.DataVersion::name).toList());
        assertEquals(i2.identity(), registry.latestData().orElseThrow().identity());
        assertEquals("v0002", Registry.versionFor(d2));
        String line = Registry.describe(d2);
        assertTrue(line.contains("+1 images (1 new training identities)") && line.contains("-1 images (1 gone")
                && line.contains("since d0001"), line);

        Files.delete(tmp.resolve("registry/data/d0002/version.json"));
        assertEquals(List.of("d0001"), registry.dataVersions().stream().map(Registry.DataVersion::name).toList(),
                "a data version is one only once its version.json is written");
    }

    @Test
    void theHistoryIsNumberedAndARunThatStoppedBeforeLoggingIsCaughtUpOnce() throws Exception {
        Registry registry = Registry.at(storage, tmp.resolve("registry").toString());
        registry.setChampion(champion("v0001", null, "pipeline", "2026-01-01T00:00:00Z"));
        registry.record(record("v0001", "promoted"));
        // neither was logged (the run stopped): reconcile logs both, once
        List<Registry.Event> added = registry.reconcile();
        assertEquals(List.of("decision", "champion"), added.stream().map(Registry.Event::kind).toList());
        assertEquals(List.of(), registry.reconcile());
        assertEquals(List.of(1, 2), registry.history().stream().map(Registry.Event::seq).toList());
    }

    @Test
    void aRollbackGoesBackThroughTheChampionsAndNotForward() throws Exception {
        Registry registry = Registry.at(storage, tmp.resolve("registry").toString());
        registry.logChampion(champion("v0001", null, "pipeline", "t1"));
        registry.logChampion(champion("v0002", "v0001", "pipeline", "t2"));
        registry.logChampion(champion("v0004", "v0002", "promote", "t3"));
        assertEquals(List.of("v0001", "v0002", "v0004"), registry.championStack());
        registry.logChampion(champion("v0002", "v0004", "rollback", "t4"));
        assertEquals(List.of("v0001", "v0002"), registry.championStack());
        registry.logChampion(champion("v0001", "v0002", "rollback", "t5"));
        assertEquals(List.of("v0001"), registry.championStack());
        registry.logChampion(champion("v0005", "v0001", "pipeline", "t6"));
        assertEquals(List.of("v0001", "v0005"), registry.championStack());
    }

    @Test
    void recordsReadBackAsWritten() throws Exception {
        Registry registry = Registry.at(storage, tmp.resolve("registry").toString());
        Registry.VersionRecord r = record("v0003", "rejected");
        registry.record(r);
        assertEquals(r, registry.version("v0003").orElseThrow());
        assertEquals(List.of(r), registry.versions());
        assertTrue(registry.version("v0009").isEmpty());
        Map<String, Object> pinned = registry.pin(Map.of("holdout", Map.of("location", "a")));
        assertEquals(pinned, registry.pin(Map.of("holdout", Map.of("location", "b"))), "the first pin stays");
    }

    private static Registry.Champion champion(String v, String previous, String how, String since) {
        return new Registry.Champion(v, "/m/" + v, v + "@t", "d" + v.substring(1), "/e/" + v, since, how, "test", previous);
    }

    private static Registry.VersionRecord record(String v, String outcome) {
        Registry.Metrics m = new Registry.Metrics(0.5, 0.6, 0.3, 10, 10, 30, "/gate/" + v + "/candidate");
        return new Registry.VersionRecord(v, "2026-01-01T00:00:00Z", "d" + v.substring(1), "/m/" + v, v + "@t", "bot", "/m/"
                + v + "/config.conf", "abc", "scratch", "/holdout", m, null, null,
                new Registry.Decision(outcome, "because", Map.of("mapTolerance", 0.01), "test", "2026-01-01T00:00:01Z"));
    }
}
