package org.reidspark.data.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Market1501CatalogTest {
    @TempDir
    Path tmp;

    private Path market() {
        Path d = tmp.resolve("Market-1501-v15.09.15");
        Trees.touch(d.resolve("bounding_box_train"),
                "0007_c2s1_000100_01.jpg", "0002_c1s1_000451_03.jpg", "0002_c3s1_000551_01.jpg",
                "0007_c6s2_000200_02.jpg", "0010_c5s3_000300_01.jpg", "-1_c1s1_000001_00.jpg", "Thumbs.db");
        Trees.touch(d.resolve("query"), "0002_c2s1_000451_01.jpg", "0005_c1s1_000101_01.jpg");
        Trees.touch(d.resolve("bounding_box_test"),
                "0002_c1s1_000460_01.jpg", "0005_c4s1_000120_02.jpg", "0000_c1s1_000000_01.jpg",
                "-1_c3s1_000002_00.jpg", "0005_c1s1_000130_01.jpg", "Thumbs.db");
        return d;
    }

    @Test
    void readsSplitsRelabelsTrainDropsJunkKeepsDistractors() throws IOException {
        Path d = market();
        Manifest m = new Market1501Catalog().read(Trees.storage(), tmp.toString());
        assertEquals("market1501", m.dataset());
        assertEquals(Trees.uri(d), m.root());
        assertEquals(5, m.train().size());
        assertEquals(2, m.query().size());
        assertEquals(4, m.gallery().size());
        assertEquals(3, m.trainIdentities());
        assertEquals(0, m.clothesClasses());

        // train: pids 2, 7, 10 become labels 0, 1, 2; cameras c1..c6 become 0..5
        Map<String, Sample> train = byName(m.train());
        assertSample(train.get("0002_c1s1_000451_03.jpg"), 2, 0, 0, Split.TRAIN);
        assertSample(train.get("0002_c3s1_000551_01.jpg"), 2, 0, 2, Split.TRAIN);
        assertSample(train.get("0007_c2s1_000100_01.jpg"), 7, 1, 1, Split.TRAIN);
        assertSample(train.get("0007_c6s2_000200_02.jpg"), 7, 1, 5, Split.TRAIN);
        assertSample(train.get("0010_c5s3_000300_01.jpg"), 10, 2, 4, Split.TRAIN);

        Map<String, Sample> gallery = byName(m.gallery());
        assertSample(gallery.get("0000_c1s1_000000_01.jpg"), 0, -1, 0, Split.GALLERY);
        assertSample(gallery.get("0005_c4s1_000120_02.jpg"), 5, -1, 3, Split.GALLERY);
        assertSample(byName(m.query()).get("0002_c2s1_000451_01.jpg"), 2, -1, 1, Split.QUERY);
        for (Sample s : m.samples()) {
            assertTrue(!s.uri().contains("-1_c"), "junk kept: " + s.uri());
            assertTrue(s.uri().startsWith("file:/"), s.uri());
            assertEquals(-1, s.clothes());
            assertTrue(Files.exists(Path.of(s.uri().substring("file:".length()))), s.uri());
        }
        // train first, then query, then gallery; sorted by uri within a split
        List<Sample> expected = new ArrayList<>();
        for (Split s : Split.values()) {
            List<Sample> part = new ArrayList<>(m.split(s));
            part.sort((a, b) -> a.uri().compareTo(b.uri()));
            expected.addAll(part);
        }
        assertEquals(expected, m.samples());
    }

    @Test
    void rootMayBeTheLayoutFolderItselfOrTorchreidsArrangement() throws IOException {
        Path d = market();
        Manifest direct = new Market1501Catalog().read(Trees.storage(), d.toString());
        assertEquals(11, direct.samples().size());
        Manifest asUri = new Market1501Catalog().read(Trees.storage(), d.toUri().toString());
        assertEquals(direct, asUri);

        Path torchreid = tmp.resolve("elsewhere/market1501");
        Trees.touch(torchreid.resolve("bounding_box_train"), "0001_c1s1_000001_01.jpg");
        Trees.touch(torchreid.resolve("query"), "0003_c1s1_000001_01.jpg");
        Trees.touch(torchreid.resolve("bounding_box_test"), "0003_c2s1_000001_01.jpg");
        Manifest t = new Market1501Catalog().read(Trees.storage(), tmp.resolve("elsewhere").toString());
        assertEquals(3, t.samples().size());
    }

    @Test
    void everyBadNameIsReportedWithItsPath() {
        Path d = market();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 12; i++) bad.add("img" + i + ".jpg");
        Trees.touch(d.resolve("bounding_box_train"), bad.toArray(String[]::new));
        Trees.touch(d.resolve("bounding_box_train"), "0003_c0s1_000001_01.jpg");
        CatalogError e = assertThrows(CatalogError.class,
                () -> new Market1501Catalog().read(Trees.storage(), tmp.toString()));
        String msg = e.getMessage();
        assertTrue(msg.contains("13 entries"), msg);
        assertTrue(msg.contains(Trees.uri(d.resolve("bounding_box_train/img0.jpg"))), msg);
        assertTrue(msg.contains("... and 3 more"), msg);
        assertTrue(msg.contains("0002_c1s1_000451_03.jpg"), "the rule's example belongs in the message: " + msg);
        assertTrue(msg.contains("c0"), msg);
    }

    @Test
    void missingOrEmptySplitNamesTheFolder() throws IOException {
        Path d = market();
        Files.walk(d.resolve("query")).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        CatalogError missing = assertThrows(CatalogError.class,
                () -> new Market1501Catalog().read(Trees.storage(), tmp.toString()));
        assertTrue(missing.getMessage().contains(Trees.uri(d.resolve("query"))), missing.getMessage());
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());

        Trees.touch(d.resolve("query"), "-1_c1s1_000001_01.jpg", "notes.txt");
        CatalogError empty = assertThrows(CatalogError.class,
                () -> new Market1501Catalog().read(Trees.storage(), tmp.toString()));
        assertTrue(empty.getMessage().contains("query split (" + Trees.uri(d.resolve("query")) + ") has no images"
                + " other than 1 junk image"), empty.getMessage());

        CatalogError noRoot = assertThrows(CatalogError.class,
                () -> new Market1501Catalog().read(Trees.storage(), tmp.resolve("nope").toString()));
        assertTrue(noRoot.getMessage().contains(Trees.uri(tmp.resolve("nope"))), noRoot.getMessage());
        assertTrue(noRoot.getMessage().contains("reid.data.root"), noRoot.getMessage());
    }

    @Test
    void queriesThatTheSameCameraFilterEmptiesAreAnError() {
        Path d = tmp.resolve("m");
        Trees.touch(d.resolve("bounding_box_train"), "0001_c1s1_000001_01.jpg");
        Trees.touch(d.resolve("query"), "0003_c2s1_000001_01.jpg");
        Trees.touch(d.resolve("bounding_box_test"), "0003_c2s1_000002_01.jpg", "0004_c1s1_000002_01.jpg");
        CatalogError e = assertThrows(CatalogError.class, () -> new Market1501Catalog().read(Trees.storage(), d.toString()));
        assertTrue(e.getMessage().contains("has the query's own camera id"), e.getMessage());
        assertTrue(e.getMessage().contains("removes from the gallery the images of the query's person taken by"
                + " the query's camera"), e.getMessage());
        assertTrue(e.getMessage().contains("digit after '_c'"), e.getMessage());
        // one more gallery image of person 3 from camera 1 makes the query valid
        Trees.touch(d.resolve("bounding_box_test"), "0003_c1s1_000003_01.jpg");
        assertEquals(1, assertDoesNotThrowRead(d).query().size());
    }

    private static Manifest assertDoesNotThrowRead(Path d) {
        try {
            return new Market1501Catalog().read(Trees.storage(), d.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Sample> byName(List<Sample> samples) {
        Map<String, Sample> out = new TreeMap<>();
        for (Sample s : samples) out.put(s.uri().substring(s.uri().lastIndexOf('/') + 1), s);
        assertEquals(samples.size(), out.size(), "duplicate names");
        return out;
    }

    static void assertSample(Sample s, int pid, int label, int camid, Split split) {
        assertTrue(s != null, "sample missing");
        assertEquals(pid, s.pid(), s.uri());
        assertEquals(label, s.label(), s.uri());
        assertEquals(camid, s.camid(), s.uri());
        assertEquals(split, s.split(), s.uri());
    }
}
