package org.reidspark.jobs.mine;

import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MineConfigTest {
    private static MineConfig load(String... overrides) {
        return MineConfig.from(ConfigLoader.load(List.of(overrides)));
    }

    @Test
    void defaultsAreTheOfficialWalkAndTopList() {
        MineConfig c = load("reid.mine.embeddings=runs/e");
        assertEquals(15, c.walk());
        assertEquals(3, c.nearest());
        assertEquals(15, c.neighbours());
        assertEquals(1024, c.blockSize());
        assertEquals(13, c.partitionsFor(100_000));
        assertEquals(3, load("reid.mine.embeddings=e", "reid.mine.partitions=5").partitionsFor(3), "never more partitions than anchors");
        assertEquals(9, load("reid.mine.embeddings=e", "reid.mine.walk=2", "reid.mine.nearest=10").neighbours(), "the test's top list");
    }

    @Test
    void badValuesNameTheirKey() {
        for (String[] bad : new String[][] {
                {"reid.mine.embeddings=\"\""},
                {"reid.mine.embeddings=e", "reid.mine.walk=0"},
                {"reid.mine.embeddings=e", "reid.mine.nearest=0"},
                {"reid.mine.embeddings=e", "reid.mine.block-size=0"},
                {"reid.mine.embeddings=e", "reid.mine.partitions=-1"},
                {"reid.mine.embeddings=e", "reid.mine.anchors-per-partition=0"},
                {"reid.mine.embeddings=e", "reid.mine.fault-partition=-2"}}) {
            ConfigError e = assertThrows(ConfigError.class, () -> load(bad));
            String key = bad[bad.length - 1].substring(0, bad[bad.length - 1].indexOf('='));
            assertTrue(e.getMessage().contains(key), key + ": " + e.getMessage());
        }
    }
}
