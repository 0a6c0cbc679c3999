package org.reidspark.jobs.shard;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.config.RunConfig;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardConfigTest {
    private static ShardConfig load(String... overrides) {
        return ShardConfig.from(ConfigLoader.load(List.of(overrides)));
    }

    @Test
    void outputSplitsIntoRunDirectoryBaseAndName() {
        RunConfig run = new RunConfig("r", "runs", 5, true);
        assertEquals(run, load().target(run), "empty output: the run's own directory");
        RunConfig s3 = load("reid.shard.output=s3a://bucket/sets/market").target(run);
        assertEquals("market", s3.name());
        assertEquals("s3a://bucket/sets", s3.output());
        assertEquals(5, s3.seed());
        assertTrue(s3.overwrite());
    }

    @Test
    void badValuesNameTheirKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> load("reid.shard.max-bad-fraction=1.5"));
        assertTrue(e.getMessage().contains("reid.shard.max-bad-fraction") && e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> load("reid.shard.shards=-1"));
        assertTrue(e.getMessage().contains("reid.shard.shards"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> load("reid.shard.by=person"));
        assertTrue(e.getMessage().contains("reid.shard.by") && e.getMessage().contains("person")
                && e.getMessage().contains("identity, image"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> load("reid.shard.output=s3a://bucket"));
        assertTrue(e.getMessage().contains("reid.shard.output") && e.getMessage().contains("s3a://bucket"), e.getMessage());
    }
}
