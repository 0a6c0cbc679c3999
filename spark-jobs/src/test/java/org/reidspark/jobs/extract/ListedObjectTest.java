package org.reidspark.jobs.extract;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.data.image.ImageDecodeException;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.jobs.testing.S3Proxy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ListedObject} against a real S3 API (s3proxy on loopback): the listing's statuses open the objects with a
 * GET alone (S3A's HEAD requests counted by its own statistics), the same bytes as S3A's plain open; an object
 * replaced after the listing is read as it is now, never cut to the old length; a deleted one is "not found".
 */
class ListedObjectTest {
    /** S3A's count of its HEAD requests, in the instance's own statistics (its storage statistics are one per JVM). */
    private static final String HEADS = "action_http_head_request";

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void listedObjectsAreReadWithoutAHeadRequestEach() throws Exception {
        Files.createDirectories(tmp.resolve("images/sub"));
        Files.writeString(tmp.resolve("images/a.jpg"), "first image");
        Files.writeString(tmp.resolve("images/sub/b.png"), "second, a longer one".repeat(50));
        Files.writeString(tmp.resolve("images/c.jpeg"), "");
        Files.writeString(tmp.resolve("images/notes.txt"), "not an image");
        try (S3Proxy s3 = S3Proxy.start()) {
            s3.upload(tmp.resolve("images"), "images");
            Configuration conf = new Configuration();
            for (String kv : s3.hadoopProperties()) conf.set(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            Storage storage = new Storage(conf);
            Map<String, ListedObject> listed = ExtractJob.listImageObjects(storage, s3.uri("images"));
            assertEquals(List.of(s3.uri("images/a.jpg"), s3.uri("images/c.jpeg"), s3.uri("images/sub/b.png")),
                    List.copyOf(listed.keySet()));
            FileSystem fs = storage.fs(new Path(s3.uri("images")));
            for (Map.Entry<String, ListedObject> e : listed.entrySet()) {
                ListedObject o = e.getValue();
                assertNotNull(o, e.getKey());
                assertNotNull(o.eTag(), e.getKey());
                String name = e.getKey().substring(s3.uri("images/").length());
                byte[] expected = Files.readAllBytes(tmp.resolve("images").resolve(name));
                assertEquals(expected.length, o.length(), name);

                long before = heads(fs);
                assertArrayEquals(expected, ListedObject.read(storage, e.getKey(), o), name);
                assertEquals(before, heads(fs), "no HEAD request to read " + name + " with its listing");
                assertArrayEquals(expected, ListedObject.read(storage, e.getKey(), null), name);
                assertTrue(heads(fs) > before, "S3A's plain open asks for " + name + "'s metadata first");
            }

            // replaced since the listing: S3A's change detection refuses the listed ETag, and the object is read as it is
            // now (a plain open, with its HEAD), never cut to the old length
            String a = s3.uri("images/a.jpg");
            byte[] replacement = "a replacement of another length".getBytes(StandardCharsets.UTF_8);
            s3.put("images/a.jpg", replacement);
            long before = heads(fs);
            assertArrayEquals(replacement, ListedObject.read(storage, a, listed.get(a)));
            assertTrue(heads(fs) > before, "the replaced object is opened again, plainly");
            // deleted since the listing: "file not found", which the decoder records as an unreadable image
            String b = s3.uri("images/sub/b.png");
            fs.delete(new Path(b), false);
            ImageDecodeException gone = assertThrows(ImageDecodeException.class,
                    () -> ImageDecoder.readBytes(b, uri -> ListedObject.read(storage, uri, listed.get(uri))));
            assertTrue(gone.getMessage().contains("not found"), gone.getMessage());
        }
    }

    @Test
    void localListingsDescribeNoObjectAndReadAsBefore() throws Exception {
        Files.writeString(tmp.resolve("x.jpg"), "local bytes");
        Storage storage = new Storage(new Configuration());
        Map<String, ListedObject> listed = ExtractJob.listImageObjects(storage, tmp.toString());
        assertEquals(1, listed.size());
        Map.Entry<String, ListedObject> e = listed.entrySet().iterator().next();
        assertNull(e.getValue());
        assertArrayEquals("local bytes".getBytes(StandardCharsets.UTF_8), ListedObject.read(storage, e.getKey(), null));
    }

    private static long heads(FileSystem fs) {
        Long n = org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs).counters().get(HEADS);
        return n == null ? 0 : n;
    }
}
