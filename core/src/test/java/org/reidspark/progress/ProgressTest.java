package org.reidspark.progress;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {
    private long now;

    @Test
    void linesCountPartsAndUnitsWithRateAndEtaAtMostEveryInterval() {
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("extract", "partitions", 4, "images", 1000, lines::add, () -> now, 10_000_000_000L);
        now = 5_000_000_000L;
        p.partDone(250);
        assertEquals("extract: 1/4 partitions, 250/1,000 images (25%), 50.0 images/s, ETA 15s", lines.get(0));
        now = 8_000_000_000L;
        p.partDone(150);
        assertEquals(1, lines.size(), "no second line within the interval");
        assertEquals("extract: 2/4 partitions, 400/1,000 images (40%), 50.0 images/s, ETA 12s", p.line());
        now = 16_000_000_000L;
        p.partDone(100);
        assertEquals("extract: 3/4 partitions, 500/1,000 images (50%), 31.3 images/s, ETA 16s", lines.get(1));
        now = 17_000_000_000L;
        p.partDone(500);
        assertEquals("extract: 4/4 partitions, 1,000/1,000 images (100%), 58.8 images/s, done in 17s", lines.get(2));
    }

    @Test
    void withoutAUnitTotalTheLineCountsParts() {
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("evaluate", "shards", 3, "images", 0, lines::add, () -> now, 0);
        now = 2_000_000_000L;
        p.partDone(40);
        assertEquals("evaluate: 1/3 shards (33%), 0.50 shards/s, ETA 4s", lines.get(0));
        assertEquals("1h02m", Progress.duration(3725));
        assertEquals("3m12s", Progress.duration(192));
    }
}
