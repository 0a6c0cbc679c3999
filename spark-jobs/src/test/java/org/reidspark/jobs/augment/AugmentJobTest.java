package org.reidspark.jobs.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.augment.Surrogate;
import org.reidspark.data.augment.SurrogateCopies;
import org.reidspark.data.image.RgbImage;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The augment job on local Spark over a small shard set: the same surrogates on every run and partitioning, each
 * remade by its recorded transform, a rerun after an injected crash that redoes only the missing partition and gives
 * the clean run's output, and clear errors for bad input.
 */
class AugmentJobTest {
    @TempDir
    static Path tmp;
    static Path shards;

    @BeforeAll
    static void shardSet() throws Exception {
        shards = AugmentFixture.shardSet(tmp);
    }

    private static List<String> args(Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--shards", shards.toString(), "--output", output.toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static List<String> ids(List<AugmentFixture.Row> rows) {
        return rows.stream().map(AugmentFixture.Row::id).toList();
    }

    @Test
    void theSameSurrogatesOnEveryRunEachRemadeByItsRecordedTransform() throws Exception {
        Path a = tmp.resolve("out/a");
        JobRun r = AugmentFixture.augment(args(a, "--copies", "3"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("augment: OK, 13 training images x 3 copies = 39 surrogates")
                && r.out().contains("partitions: 2 run now, 0 done by an earlier attempt"), r.out());
        assertTrue(Files.exists(a.resolve("_PUBLISHED")) && Files.exists(a.resolve("config.conf")) && Files.exists(a.resolve("run.json")));
        List<AugmentFixture.Row> rows = AugmentFixture.rows(a);
        assertEquals(AugmentFixture.TRAIN_IMAGES * 3, rows.size());

        JsonNode info = new ObjectMapper().readTree(a.resolve(AugmentJob.SUMMARY).toFile());
        JsonNode shardInfo = new ObjectMapper().readTree(shards.resolve("shard.json").toFile());
        assertEquals(shardInfo.get("manifestSha256").asText(), info.get("manifestSha256").asText());
        assertEquals(3, info.get("copies").asInt());
        assertEquals(39, info.get("surrogates").asLong());
        assertEquals(AugmentFixture.HEIGHT, info.get("height").asInt());
        assertEquals(2, info.get("partitions").asInt());

        // every training image has copies 0..2, each the image's surrogate under its recorded transform
        Map<Long, RgbImage> images = AugmentFixture.trainImages(shards);
        assertEquals(AugmentFixture.TRAIN_IMAGES, images.size());
        Set<String> distinct = new HashSet<>();
        Set<Integer> shardIds = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            AugmentFixture.Row row = rows.get(i);
            assertEquals(i % 3, row.copy(), "copies 0..2 of key " + row.key());
            RgbImage img = images.get(row.key());
            RgbImage again = Surrogate.apply(img, SurrogateCopies.transform(row.transform()));
            assertArrayEquals(again.rgb(), row.rgb(), "key " + row.key() + " copy " + row.copy() + " from " + row.transform());
            assertFalse(java.util.Arrays.equals(img.rgb(), row.rgb()), "a surrogate differs from its image");
            assertEquals(img.height(), row.height());
            distinct.add(java.util.Arrays.toString(row.rgb()));
            shardIds.add(row.shard());
        }
        assertEquals(rows.size(), distinct.size(), "every copy differs");
        assertEquals(Set.of(0, 1), shardIds);

        // another run, one core: the same bytes; another seed: other bytes
        Path b = tmp.resolve("out/b");
        assertEquals(0, AugmentFixture.augment(args(b, "--copies", "3", "reid.spark.master=local[1]")).code());
        assertEquals(ids(rows), ids(AugmentFixture.rows(b)), "a rerun gives the same bytes and transforms");
        Path c = tmp.resolve("out/c");
        assertEquals(0, AugmentFixture.augment(args(c, "--copies", "3", "reid.run.seed=99")).code());
        List<AugmentFixture.Row> other = AugmentFixture.rows(c);
        for (int i = 0; i < rows.size(); i++) assertNotEquals(rows.get(i).id(), other.get(i).id(), "another seed, another surrogate");

        JobRun again = AugmentFixture.augment(args(a, "--copies", "3"));
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void aRerunAfterAnInjectedCrashRedoesOnlyTheMissingPartitionAndEqualsACleanRun() throws Exception {
        Path clean = tmp.resolve("out/clean");
        assertEquals(0, AugmentFixture.augment(args(clean, "--copies", "2")).code());
        Path out = tmp.resolve("out/crash");
        Path work = out.resolveSibling("._incomplete-crash");
        // local[1]: partition 0 completes, partition 1 writes its surrogates and fails before its marker; the job stops
        JobRun crash = AugmentFixture.augment(args(out, "--copies", "2", "reid.augment-job.fault-partition=1",
                "reid.spark.master=local[1]"));
        assertNotEquals(0, crash.code());
        assertTrue(crash.err().contains("injected fault"), crash.err());
        assertFalse(Files.exists(out), "nothing published");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")));
        assertFalse(Files.exists(work.resolve("done/part-00001.json")));
        assertTrue(Files.exists(work.resolve("surrogates/part-00001.parquet")), "partition 1's file without its marker");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(work.resolve("surrogates/part-00000.parquet"), old);

        JobRun other = AugmentFixture.augment(args(out, "--copies", "3"));
        assertNotEquals(0, other.code());
        assertTrue(other.err().contains("was started with reid.augment-job.copies = 2 (now 3)"), other.err());

        JobRun rerun = AugmentFixture.augment(args(out, "--copies", "2"));
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("partitions: 1 run now, 1 done by an earlier attempt"), rerun.out());
        assertEquals(old, Files.getLastModifiedTime(out.resolve("surrogates/part-00000.parquet")), "partition 0 not redone");
        assertEquals(ids(AugmentFixture.rows(clean)), ids(AugmentFixture.rows(out)), "the resumed output equals a clean run's");
        try (Stream<Path> s = Files.walk(out)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(".")).toList(), "no temporary files");
        }
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("._")).toList(),
                    "no incomplete directory or lock left");
        }
    }

    @Test
    void aBadInputIsAClearErrorAndPublishesNothing() {
        Path missing = tmp.resolve("no-such-set");
        Path out = tmp.resolve("out/bad");
        JobRun r = AugmentFixture.augment(List.of("--shards", missing.toString(), "--output", out.toString()));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("reid.augment-job.shards") && r.err().contains("no published shard set at")
                && r.err().contains(missing.toString()), r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(out.resolveSibling("._incomplete-bad")), "no incomplete output either");

        JobRun none = AugmentFixture.augment(List.of("--output", out.toString()));
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("reid.augment-job.shards"), none.err());

        JobRun zero = AugmentFixture.augment(args(out, "--copies", "0"));
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("reid.augment-job.copies"), zero.err());
    }
}
