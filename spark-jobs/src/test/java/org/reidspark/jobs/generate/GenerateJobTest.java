package org.reidspark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.method.dgnet.DgNetContractTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generate job on local Spark from a tiny DG-Net trained for one epoch by the train job (which also publishes the
 * shard set of its data): every training image's copies, each of another identity's clothes with a soft label over the
 * training identities; the same images on another partitioning, other donors with another seed; a rerun after an
 * injected crash that redoes only the missing partition and equals a clean run; clear errors for bad input.
 */
class GenerateJobTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path shards;
    static final int IDENTITIES = 8;

    @BeforeAll
    static void trainTinyDgNet() throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--output", tmp.resolve("runs").toString(), "--name", "dg",
                "--epochs", "1", "reid.data.dataset=synth", "reid.synth.output=\"" + tmp.resolve("synth") + "\"",
                "reid.synth.identities=" + 2 * IDENTITIES, "reid.synth.images-per-identity=4", "reid.synth.cameras=3",
                "reid.synth.size=64x32", "reid.train.schedule.warmup-epochs=0", "reid.train.eval-every=0", "reid.embed.batch-size=8",
                "reid.spark.master=\"local[2]\"", "--workers", "2", "reid.spark.conf.\"spark.ui.enabled\"=false"));
        args.addAll(DgNetContractTest.tinyKeys());
        JobRun r = JobRun.run(args);
        if (r.code() != 0) throw new IllegalStateException("train failed: " + r.err() + r.out());
        model = tmp.resolve("runs/dg");
        try (Stream<Path> s = Files.list(tmp.resolve("runs"))) {
            shards = s.filter(p -> p.getFileName().toString().endsWith(".shards")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no shard set in " + tmp.resolve("runs")));
        }
    }

    private static JobRun generate(Path output, String... more) {
        List<String> all = new ArrayList<>(List.of("generate", "--model", model.toString(), "--shards", shards.toString(),
                "--output", output.toString(), "reid.spark.master=local[2]", "reid.spark.conf.\"spark.ui.enabled\"=false",
                "reid.embed.batch-size=8"));
        all.addAll(List.of(more));
        return JobRun.run(all);
    }

    /** One generated image. */
    record Row(long key, long structureKey, int copy, long appearanceKey, int label, int structureLabel, float[] soft, byte[] rgb,
               int shard) {
        String id() {
            return key + "/" + structureKey + "/" + copy + "/" + appearanceKey + "/" + label + "/" + Arrays.hashCode(soft) + "/"
                    + Arrays.hashCode(rgb);
        }
    }

    static List<Row> rows(Path output) throws IOException {
        List<Row> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(output.resolve(GeneratePartition.GENERATED))) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        for (Path f : files) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri()))
                    .withConf(new Configuration()).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    out.add(new Row(g.getLong("key", 0), g.getLong("structure_key", 0), g.getInteger("copy", 0),
                            g.getLong("appearance_key", 0), g.getInteger("label", 0), g.getInteger("structure_label", 0),
                            GeneratePartition.floats(g.getBinary("soft_label", 0).getBytes()), g.getBinary("rgb", 0).getBytes(),
                            g.getInteger("shard", 0)));
                }
            }
        }
        out.sort(Comparator.comparingLong(Row::structureKey).thenComparingInt(Row::copy));
        return out;
    }

    private static List<String> ids(List<Row> rows) {
        return rows.stream().map(Row::id).toList();
    }

    @Test
    void everyTrainingImageInAnotherIdentitysClothesTheSameOnEveryRun() throws Exception {
        Path a = tmp.resolve("out/a");
        JobRun r = generate(a, "--copies", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode info = new ObjectMapper().readTree(a.resolve(GenerateJob.SUMMARY).toFile());
        long images = info.get("images").asLong();
        assertTrue(r.out().contains("generate: OK, " + images + " training images x 2 copies = " + 2 * images + " generated images")
                && r.out().contains("partitions: 2 run now, 0 done by an earlier attempt"), r.out());
        assertEquals(IDENTITIES, info.get("identities").asInt());
        assertEquals("the model's primary head", info.get("softLabels").asText());
        assertTrue(Files.exists(a.resolve("_PUBLISHED")) && Files.exists(a.resolve(GenerateJob.SHEET)) && Files.exists(a.resolve("config.conf")));

        List<Row> rows = rows(a);
        assertEquals(2 * images, rows.size());
        Map<Long, Integer> labelOf = new HashMap<>();
        for (Row row : rows) labelOf.put(row.structureKey(), row.structureLabel());
        assertEquals(images, labelOf.size(), "every training image is a structure image");
        Set<Long> keys = new HashSet<>();
        Set<Long> donors = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals(i % 2, row.copy());
            assertNotEquals(row.structureLabel(), row.label(), "the donor is another identity");
            assertEquals(labelOf.get(row.appearanceKey()), row.label(), "the donor is a training image with its own label");
            assertEquals(IDENTITIES, row.soft().length);
            double sum = 0;
            for (float p : row.soft()) {
                assertTrue(p >= 0, "a probability");
                sum += p;
            }
            assertEquals(1.0, sum, 1e-4);
            assertEquals(64 * 32 * 3, row.rgb().length);
            keys.add(row.key());
            donors.add(row.appearanceKey());
        }
        assertEquals(rows.size(), keys.size(), "every generated image has its own key");
        assertTrue(donors.size() > images / 2, "donors spread over the images: " + donors.size());

        Path b = tmp.resolve("out/b");
        assertEquals(0, generate(b, "--copies", "2", "reid.spark.master=local[1]").code());
        assertEquals(ids(rows), ids(rows(b)), "a rerun on one core writes the same images");
        Path c = tmp.resolve("out/c");
        assertEquals(0, generate(c, "--copies", "2", "reid.run.seed=99").code());
        List<Row> other = rows(c);
        long sameDonor = 0;
        for (int i = 0; i < rows.size(); i++) sameDonor += rows.get(i).appearanceKey() == other.get(i).appearanceKey() ? 1 : 0;
        assertTrue(sameDonor < rows.size() / 2, "another seed, other donors: " + sameDonor + " of " + rows.size() + " kept");

        JobRun again = generate(a, "--copies", "2");
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void aRerunAfterAnInjectedCrashRedoesOnlyTheMissingPartitionAndEqualsACleanRun() throws Exception {
        Path clean = tmp.resolve("out/clean");
        assertEquals(0, generate(clean).code());
        Path out = tmp.resolve("out/crash");
        Path work = out.resolveSibling("._incomplete-crash");
        JobRun crash = generate(out, "reid.generate-job.fault-partition=1", "reid.spark.master=local[1]");
        assertNotEquals(0, crash.code());
        assertTrue(crash.err().contains("injected fault"), crash.err());
        assertFalse(Files.exists(out), "nothing published");
        assertTrue(Files.exists(work.resolve("done/part-00000.json")));
        assertFalse(Files.exists(work.resolve("done/part-00001.json")));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(work.resolve("generated/part-00000.parquet"), old);

        JobRun other = generate(out, "--copies", "3");
        assertNotEquals(0, other.code());
        assertTrue(other.err().contains("was started with reid.generate-job.copies = 1 (now 3)"), other.err());

        JobRun rerun = generate(out);
        assertEquals(0, rerun.code(), rerun.err());
        assertTrue(rerun.out().contains("partitions: 1 run now, 1 done by an earlier attempt"), rerun.out());
        assertEquals(old, Files.getLastModifiedTime(out.resolve("generated/part-00000.parquet")), "partition 0 not redone");
        assertEquals(ids(rows(clean)), ids(rows(out)), "the resumed output equals a clean run's");
        try (Stream<Path> s = Files.walk(out)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(".")).toList(), "no temporary files");
        }
    }

    @Test
    void botTrainsWithAGeneratedSetAsExtraDataOnSparkAndRefusesItInOneJvm() throws Exception {
        Path set = tmp.resolve("out/extra");
        assertEquals(0, generate(set).code());
        long generated = new ObjectMapper().readTree(set.resolve(GenerateJob.SUMMARY).toFile()).get("generated").asLong();
        List<String> bot = new ArrayList<>(List.of("train", "--output", tmp.resolve("runs").toString(), "--name", "bot-extra",
                "--epochs", "1", "reid.method=bot", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=64", "reid.input.width=32", "reid.sampler.p=4", "reid.sampler.k=2",
                "reid.data.dataset=synth", "reid.synth.output=\"" + tmp.resolve("synth") + "\"",
                "reid.synth.identities=" + 2 * IDENTITIES, "reid.synth.images-per-identity=4", "reid.synth.cameras=3",
                "reid.synth.size=64x32", "reid.train.schedule.warmup-epochs=0", "reid.train.eval-every=0", "reid.embed.batch-size=8",
                "reid.shard.output=\"" + shards + "\"", "reid.data.extra-shards=[\"" + set + "\"]",
                "reid.spark.master=\"local[2]\"", "--workers", "2", "reid.spark.conf.\"spark.ui.enabled\"=false"));
        JobRun trained = JobRun.run(bot);
        assertEquals(0, trained.code(), trained.err() + trained.out());
        JsonNode run = new ObjectMapper().readTree(tmp.resolve("runs/bot-extra/run.json").toFile());
        JsonNode extra = run.path("extraShards");
        assertEquals(1, extra.size(), run.toString());
        assertEquals(generated, extra.get(0).get("images").asLong());
        assertTrue(extra.get(0).get("set").asText().endsWith("out/extra"), extra.toString());

        List<String> local = new ArrayList<>(bot);
        local.set(0, "train-local");
        local.set(4, "bot-extra-local");
        local.removeIf(a -> a.startsWith("reid.spark") || a.equals("--workers") || a.equals("2"));
        JobRun refused = JobRun.run(local);
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("reid.data.extra-shards") && refused.err().contains("train job (Spark)"), refused.err());
    }

    @Test
    void aBadInputIsAClearErrorAndPublishesNothing() {
        Path out = tmp.resolve("out/bad");
        JobRun notDgNet = JobRun.run("generate", "--model", shards.toString(), "--shards", shards.toString(), "--output", out.toString());
        assertNotEquals(0, notDgNet.code());
        assertTrue(notDgNet.err().contains("reid.generate-job.model") && notDgNet.err().contains("has no model/ folder"),
                notDgNet.err());
        JobRun noShards = JobRun.run("generate", "--model", model.toString(), "--shards", tmp.resolve("nothing").toString(),
                "--output", out.toString());
        assertNotEquals(0, noShards.code());
        assertTrue(noShards.err().contains("reid.generate-job.shards") && noShards.err().contains("no published shard set at"),
                noShards.err());
        JobRun none = JobRun.run("generate", "--shards", shards.toString(), "--output", out.toString());
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("reid.generate-job.model"), none.err());
        assertFalse(Files.exists(out));
    }
}
