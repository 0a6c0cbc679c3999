package org.reidspark.artifact;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small files replaced in one step on a local disk: a reader never sees a partial or missing file; create is exclusive. */
class AtomicFileTest {
    @TempDir
    java.nio.file.Path tmp;

    private final Storage storage = new Storage(new Configuration());

    @Test
    void aReaderSeesTheOldOrTheNewContentsNeverAMixOrNothing() throws Exception {
        Path p = new Path(tmp.toUri().toString(), "champion.json");
        String a = "a".repeat(200_000);
        String b = "b".repeat(200_000);
        AtomicFile.replace(storage, p, a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 200; i++) AtomicFile.replace(storage, p, i % 2 == 0 ? b : a);
            } catch (Exception e) {
                throw new RuntimeException(e);
            } finally {
                stop.set(true);
            }
        });
        writer.start();
        while (!stop.get()) {
            String seen = AtomicFile.read(storage, p).orElse("(missing)");
            assertTrue(seen.equals(a) || seen.equals(b), "a reader saw " + seen.length() + " characters: "
                    + seen.substring(0, Math.min(20, seen.length())));
            reads.incrementAndGet();
        }
        writer.join();
        assertTrue(reads.get() > 0);
        try (Stream<java.nio.file.Path> s = Files.list(tmp)) {
            assertEquals(List.of("champion.json"), s.map(f -> f.getFileName().toString()).toList(), "no temporary file is left");
        }
    }

    @Test
    void createIfAbsentIsExclusive() throws Exception {
        Path p = new Path(tmp.toUri().toString(), "sub/pipeline.json");
        assertTrue(AtomicFile.createIfAbsent(storage, p, "first"));
        assertFalse(AtomicFile.createIfAbsent(storage, p, "second"));
        assertEquals("first", AtomicFile.read(storage, p).orElseThrow());
        assertTrue(AtomicFile.read(storage, new Path(tmp.toUri().toString(), "none.json")).isEmpty());
    }
}
