package org.reidspark.jobs.extract;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Split;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code reid.extract} validation, the partition count, and how a plan cuts and compares input lists. */
class ExtractConfigTest {
    private static ExtractConfig config(String... overrides) {
        return ExtractConfig.from(ConfigLoader.load(List.of(overrides)));
    }

    @Test
    void validatesEveryKeyNamingIt() {
        ExtractConfig c = config("reid.extract.model=runs/m", "reid.extract.input=s3a://b/images");
        assertEquals("s3a://b/images", c.source());
        assertEquals(1000, c.imagesPerPartition());
        assertEquals(64L << 20, c.npyBuffer());
        assertEquals(512L << 10, config("reid.extract.model=m", "reid.extract.input=x", "reid.extract.npy-buffer=512K").npyBuffer());
        for (String bad : List.of("-1", "lots")) {
            String message = assertThrows(com.typesafe.config.ConfigException.class, () -> config("reid.extract.model=m",
                    "reid.extract.input=x", "reid.extract.npy-buffer=" + bad)).getMessage();
            assertTrue(message.contains("reid.extract.npy-buffer"), message);
        }
        assertTrue(assertThrows(ConfigError.class, () -> new ExtractConfig("m", "x", "", "", List.of(), "", 0, 1, 0.01, 0, -1,
                true, -1)).getMessage().contains("reid.extract.npy-buffer"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.input=x")).getMessage().contains("reid.extract.model"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m")).getMessage().contains("none"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.shards=s")).getMessage().contains("reid.extract.input = \"x\" and reid.extract.shards = \"s\""));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.partitions=-1")).getMessage().contains("reid.extract.partitions"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.images-per-partition=0")).getMessage().contains("reid.extract.images-per-partition"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.output=\"s3a://b/_x\"")).getMessage().contains("reid.extract.output"));
        assertEquals("gallery", config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.output=\"s3a://b/emb/gallery\"").target(org.reidspark.config.RunConfig.from(
                ConfigLoader.load(List.of()))).name());        // without an output: beside the training run of the same name, never onto it
        org.reidspark.config.RunConfig run = org.reidspark.config.RunConfig.from(ConfigLoader.load(List.of("reid.run.name=r1")));
        org.reidspark.config.RunConfig beside = config("reid.extract.model=m", "reid.extract.input=x").target(run);
        assertEquals("r1-embeddings", beside.name());
        assertEquals(run.output(), beside.output());
    }

    @Test
    void aShardSetTakesItsSplitsByName() {
        ExtractConfig all = config("reid.extract.model=m", "reid.extract.shards=runs/local.shards");
        assertEquals("runs/local.shards", all.source());
        assertEquals("shards", all.inputKind());
        assertEquals(List.of(Split.TRAIN, Split.QUERY, Split.GALLERY), all.chosenSplits());
        assertEquals(List.of(Split.QUERY, Split.GALLERY), config("reid.extract.model=m", "reid.extract.shards=s",
                "reid.extract.splits=\"gallery, query\"").chosenSplits());
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.shards=s",
                "reid.extract.splits=galery")).getMessage().contains("one of train, query, gallery"));
        assertTrue(assertThrows(ConfigError.class, () -> config("reid.extract.model=m", "reid.extract.input=x",
                "reid.extract.splits=query")).getMessage().contains("needs reid.extract.shards"));
    }

    @Test
    void partitionsAreFixedByTheInputSizeAndNeverOutnumberTheImages() {
        ExtractConfig auto = config("reid.extract.model=m", "reid.extract.input=x", "reid.extract.images-per-partition=4");
        assertEquals(3, auto.partitionsFor(9));
        assertEquals(1, auto.partitionsFor(4));
        ExtractConfig fixed = config("reid.extract.model=m", "reid.extract.input=x", "reid.extract.partitions=20");
        assertEquals(20, fixed.partitionsFor(100));
        assertEquals(9, fixed.partitionsFor(9));
    }

    @Test
    void aPlanCutsContiguousRunsAndNamesWhatChanged() {
        List<String> uris = List.of("a", "b", "c", "d", "e", "f", "g");
        ExtractPlan plan = ExtractPlan.of("m@1", "x", uris, 3, false);
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e", "f", "g")), ExtractJob.fileTasks(uris, Map.of(), 3)
                .stream().map(t -> List.of(t.uris())).toList());
        assertEquals(List.of(), plan.differences(ExtractPlan.of("m@1", "y", uris, 3, false)), "the spelling of the source does not matter");
        List<String> d = plan.differences(ExtractPlan.of("m@2", "x", List.of("a", "b", "c", "d", "e", "f", "h"), 2, true));
        assertEquals(4, d.size(), d.toString());
        assertTrue(d.get(0).contains("model run m@1 (now m@2)") && d.get(1).contains("other uris"), d.toString());
        assertEquals(plan, ExtractPlan.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(plan.toMap())));
    }
}
