package org.reidspark.config;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private File write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p.toFile();
    }

    @Test
    void defaultsComeFromReference() {
        Config c = ConfigLoader.load(List.of());
        RunConfig run = RunConfig.from(c);
        assertEquals("run", run.name());
        assertEquals(1L, run.seed());
        assertFalse(run.overwrite());
    }

    @Test
    void misspelledKeyFailsNamingKeyFileAndSuggestion() throws IOException {
        File f = write("exp.conf", "reid {\n  run {\n    seeed = 3\n  }\n}\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("'reid.run.seeed'"), e.getMessage());
        assertTrue(e.getMessage().contains("exp.conf"), e.getMessage());
        assertTrue(e.getMessage().contains(": 3"), "line number expected: " + e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'reid.run.seed'"), e.getMessage());
    }

    @Test
    void misspelledOverrideFailsNamingTheOverride() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(List.of("reid.s3.endpont=x")));
        assertTrue(e.getMessage().contains("'reid.s3.endpont'"), e.getMessage());
        assertTrue(e.getMessage().contains("command-line override"), e.getMessage());
    }

    @Test
    void unknownSectionFails() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(List.of("reid.nosuch.key=1")));
        assertTrue(e.getMessage().contains("'reid.nosuch'"), e.getMessage());
    }

    @Test
    void openSectionsAcceptAnyKey() {
        Config c = ConfigLoader.load(List.of("reid.hadoop.\"fs.s3a.connection.maximum\"=64"));
        assertEquals(64, c.getInt("reid.hadoop.\"fs.s3a.connection.maximum\""));
    }

    @Test
    void wrongTypeFailsNamingKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(List.of("reid.run.seed=abc")));
        assertTrue(e.getMessage().contains("reid.run.seed"), e.getMessage());
    }

    @Test
    void badValueFailsNamingKeyAndValue() {
        Config c = ConfigLoader.load(List.of("reid.run.name=\"a/b\""));
        ConfigError e = assertThrows(ConfigError.class, () -> RunConfig.from(c));
        assertTrue(e.getMessage().contains("reid.run.name"), e.getMessage());
        assertTrue(e.getMessage().contains("\"a/b\""), e.getMessage());
        Config c2 = ConfigLoader.load(List.of("reid.s3.attempts=0"));
        ConfigError e2 = assertThrows(ConfigError.class, () -> S3Config.from(c2));
        assertTrue(e2.getMessage().contains("reid.s3.attempts") && e2.getMessage().contains(" 0"), e2.getMessage());
    }

    @Test
    void overridesWinOverFileAndFileOverReference() throws IOException {
        File f = write("exp.conf", "reid.run { name = from-file, seed = 7 }\n");
        Config c = ConfigLoader.load(f, List.of("reid.run.seed=9"));
        assertEquals("from-file", c.getString("reid.run.name"));
        assertEquals(9L, c.getLong("reid.run.seed"));
        Config later = ConfigLoader.load(f, List.of("reid.run.seed=9", "reid.run.seed=11"));
        assertEquals(11L, later.getLong("reid.run.seed"), "later overrides win");
    }

    @Test
    void includesResolveRelativeToTheExperimentFile() throws IOException {
        write("shared.conf", "reid.run { output = shared-out, seed = 5 }\n");
        File f = write("exp.conf", "include \"shared.conf\"\nreid.run.seed = 6\n");
        Config c = ConfigLoader.load(f, List.of());
        assertEquals("shared-out", c.getString("reid.run.output"));
        assertEquals(6L, c.getLong("reid.run.seed"));
    }

    @Test
    void environmentVariablesAreSubstitutedAndOverridesStillWin() throws IOException {
        // PATH exists in every environment; ${?VAR} takes it, an explicit override wins over it.
        String path = System.getenv("PATH");
        File f = write("exp.conf", "reid.run.output = ${?PATH}\n");
        assertEquals(path, ConfigLoader.load(f, List.of()).getString("reid.run.output"));
        assertEquals("o", ConfigLoader.load(f, List.of("reid.run.output=o")).getString("reid.run.output"));
        File g = write("exp2.conf", "reid.run.output = kept\nreid.run.output = ${?REID_SURELY_UNSET_VARIABLE}\n");
        assertEquals("kept", ConfigLoader.load(g, List.of()).getString("reid.run.output"));
    }

    @Test
    void missingFileIsAClearError() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> ConfigLoader.load(new File(tmp.toFile(), "nope.conf"), List.of()));
        assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
    }

    @Test
    void malformedOverrideIsAClearError() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(List.of("justakey")));
        assertTrue(e.getMessage().contains("justakey"), e.getMessage());
    }

    @Test
    void secretsAreRedactedWhenRendered() {
        Config c = ConfigLoader.load(List.of("reid.s3.access-key=AKIAEXAMPLE", "reid.s3.secret-key=s3cr3t-value",
                "reid.hadoop.\"fs.s3a.secret.key\"=hadoop-secret"));
        String text = ConfigLoader.render(c);
        assertFalse(text.contains("s3cr3t-value"), text);
        assertFalse(text.contains("AKIAEXAMPLE"), text);
        assertFalse(text.contains("hadoop-secret"), text);
        assertTrue(text.contains("<redacted>"), text);
        assertEquals("s3cr3t-value", S3Config.from(c).secretKey(), "the real value stays usable");
    }

    @Test
    void hadoopsSensitiveKeysAndNumericSecretsAreRedacted() {
        // issue 18: keys Hadoop itself counts as sensitive, an access key written with dots, and secrets written as
        // unquoted numbers were saved in clear
        Config c = ConfigLoader.load(List.of("reid.hadoop.\"fs.s3a.access.key\"=AKIADOTTED",
                "reid.hadoop.\"fs.s3a.encryption.key\"=enc-key-value",
                "reid.hadoop.\"fs.s3a.server-side-encryption.key\"=sse-key-value",
                "reid.hadoop.\"fs.s3a.bucket.b1.secret.key\"=bucket-secret",
                "reid.hadoop.\"fs.azure.account.key.acct.blob.core.windows.net\"=azure-key-value",
                "reid.hadoop.\"fs.s3a.session.token\"=session-token-value",
                "reid.s3.access-key=31415926", "reid.s3.secret-key=27182818",
                "reid.hadoop.\"fs.s3a.connection.maximum\"=77"));
        String text = ConfigLoader.render(c);
        for (String secret : List.of("AKIADOTTED", "enc-key-value", "sse-key-value", "bucket-secret", "azure-key-value",
                "session-token-value", "31415926", "27182818")) {
            assertFalse(text.contains(secret), secret + " in " + text);
        }
        assertTrue(text.contains("77"), "an ordinary Hadoop property stays readable: " + text);
        assertTrue(Secrets.isSecret("fs.azure.account.key.x.blob.core.windows.net"));
        assertTrue(Secrets.isSecret("reid.hadoop.\"fs.s3a.access.key\""));
        assertTrue(Secrets.isSecret("reid.spark.conf.\"spark.hadoop.fs.s3a.encryption.key\""));
        assertFalse(Secrets.isSecret("reid.s3.endpoint"));
        assertFalse(Secrets.isSecret("fs.s3a.connection.maximum"));
        assertEquals("rejected key <redacted> (fs.s3a.secret.key)",
                Secrets.scrub("rejected key 27182818 (fs.s3a.secret.key)", Secrets.values(c)));
    }

    @Test
    void s3KeysMustComeInPairs() {
        Config c = ConfigLoader.load(List.of("reid.s3.access-key=AK", "reid.s3.secret-key=\"\""));
        ConfigError e = assertThrows(ConfigError.class, () -> S3Config.from(c));
        assertTrue(e.getMessage().contains("reid.s3.secret-key"), e.getMessage());
    }

    @Test
    void overrideValuesWithUrlsAndListsParse() {
        Config c = ConfigLoader.load(List.of("reid.run.output=s3a://bucket/runs/x", "reid.open-sections=[\"a\", \"b\"]"));
        assertEquals("s3a://bucket/runs/x", c.getString("reid.run.output"));
        assertEquals(List.of("a", "b"), c.getStringList("reid.open-sections"));
        assertEquals(12L, ConfigLoader.load(List.of("reid.run.seed=12")).getLong("reid.run.seed"));
    }
}
