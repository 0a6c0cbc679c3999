package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Main in-process: argument handling, config errors, and the smoke job on local[2]. */
class MainTest {
    @TempDir
    Path tmp;


    private static JobRun run(String... args) {
        return JobRun.run(args);
    }

    @Test
    void helpListsEveryJob() {
        JobRun r = run("--help");
        assertEquals(0, r.code());
        for (String job : Jobs.NAMES) assertTrue(r.out().contains("  " + job + " "), job + " missing from\n" + r.out());
    }

    @Test
    void unknownJobNamesTheKnownOnes() {
        JobRun r = run("trian");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown job \"trian\"") && r.err().contains("smoke"), r.err());
    }

    @Test
    void unknownOptionListsTheJobsOptions() {
        JobRun r = run("smoke", "--partitons", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--partitons") && r.err().contains("--partitions"), r.err());
    }

    @Test
    void jobHelpListsOptionsWithTheirConfigKeys() {
        JobRun r = run("smoke", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--partitions P") && r.out().contains("[reid.smoke.partitions]"), r.out());
    }

    @Test
    void misspelledConfigKeyFailsBeforeAnyWork() throws Exception {
        Path conf = tmp.resolve("exp.conf");
        Files.writeString(conf, "reid.smoke.partitons = 3\n");
        JobRun r = run("smoke", "--conf", conf.toString(), "reid.run.output=" + tmp.resolve("runs"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'reid.smoke.partitons'") && r.err().contains("exp.conf"), r.err());
        assertTrue(r.err().contains("did you mean 'reid.smoke.partitions'"), r.err());
        assertFalse(Files.exists(tmp.resolve("runs")), "nothing may be written on a config error");
    }

    @Test
    void badOffHeapSlackPropertyFailsBeforeAnyWork() {
        String key = org.reidspark.model.OffHeapCollector.SLACK_PROPERTY;
        String before = System.getProperty(key);
        System.setProperty(key, "256MB");
        try {
            JobRun r = run("smoke", "reid.run.output=" + tmp.resolve("runs"));
            assertEquals(2, r.code());
            assertTrue(r.err().contains(key) && r.err().contains("\"256MB\""), r.err());
            assertFalse(Files.exists(tmp.resolve("runs")), "nothing may be written");
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
    }

    @Test
    void printConfigRedactsSecretsAndShowsOverrides() {
        JobRun r = run("smoke", "--print-config", "--partitions", "7", "reid.s3.access-key=AKIA123", "reid.s3.secret-key=topsecret");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("partitions=7") || r.out().contains("partitions=\"7\""), r.out());
        assertFalse(r.out().contains("topsecret") || r.out().contains("AKIA123"), r.out());
    }

    @Test
    void smokeJobRunsOnLocalSparkAndPublishesARun() throws Exception {
        Path runs = tmp.resolve("runs");
        JobRun r = run("smoke", "reid.spark.master=\"local[2]\"", "--partitions", "3", "--elements", "1000",
                "--output", runs.toString(), "--name", "smoke-test");
        assertEquals(0, r.code(), r.err());
        Path dir = runs.resolve("smoke-test");
        assertTrue(Files.exists(dir.resolve("_PUBLISHED")));
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertEquals(1000L * 1001 * 2001 / 6, metrics.get("sumOfSquares").asLong());
        JsonNode info = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
        assertEquals("local[2]", info.get("master").asText());
        assertTrue(Files.readString(dir.resolve("config.conf")).contains("partitions=\"3\"")
                || Files.readString(dir.resolve("config.conf")).contains("partitions=3"));
        // the same name again fails and leaves the published run as it was
        JobRun again = run("smoke", "reid.spark.master=\"local[2]\"", "--output", runs.toString(), "--name", "smoke-test");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists") && again.err().contains("reid.run.overwrite"), again.err());
        assertTrue(Files.exists(dir.resolve("_PUBLISHED")));
        try (var leftovers = Files.list(runs)) {
            assertEquals(1, leftovers.count(), "a run refused before it started leaves nothing behind");
        }
    }

    @Test
    void theLaunchersListOfJobsWithoutSparkIsTheJobsOwn() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).resolve("../submit/reid").normalize();
        String text = Files.readString(script);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("NON_SPARK_JOBS=\" ([^\"]*) \"").matcher(text);
        assertTrue(m.find(), "submit/reid has no NON_SPARK_JOBS");
        assertEquals(new java.util.TreeSet<>(Jobs.WITHOUT_SPARK), new java.util.TreeSet<>(java.util.List.of(m.group(1).split(" "))));
        assertTrue(Jobs.NAMES.containsAll(Jobs.WITHOUT_SPARK));
    }

    @Test
    void aShippedExperimentStandsForTheConfFileWithoutItsSecrets(@TempDir Path tmp) throws Exception {
        Path conf = Files.writeString(tmp.resolve("x.conf"), "reid.run.name = shipped-run\nreid.smoke.partitions = 3\n"
                + "reid.s3.secret-key = \"in-the-file-secret\"\nreid.s3.access-key = \"AKIAFILE\"\n");
        JobRun ship = JobRun.run("smoke", "--conf", conf.toString(), "reid.run.seed=9", "--ship-config");
        assertEquals(0, ship.code(), ship.err());
        String shipped = ship.out().strip();
        String text = JobArgs.parse(Jobs.byName("smoke"), java.util.List.of(JobArgs.SHIPPED_EXPERIMENT, shipped))
                .shippedExperiment().orElseThrow();
        assertFalse(text.contains("in-the-file-secret") || text.contains("AKIAFILE"), text);
        JobRun print = JobRun.run("smoke", JobArgs.SHIPPED_EXPERIMENT, shipped, "--get-config", "reid.run.name");
        assertEquals("shipped-run", print.out().strip(), print.err());
        assertEquals("9", JobRun.run("smoke", JobArgs.SHIPPED_EXPERIMENT, shipped, "--get-config", "reid.run.seed").out().strip());
        assertEquals("3", JobRun.run("smoke", JobArgs.SHIPPED_EXPERIMENT, shipped, "--get-config", "reid.smoke.partitions").out().strip());
    }
}
