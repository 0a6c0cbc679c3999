package org.reidspark.data.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reidspark.data.catalog.Market1501CatalogTest.assertSample;
import static org.reidspark.data.catalog.Market1501CatalogTest.byName;

class Msmt17CatalogTest {
    @TempDir
    Path tmp;

    private static final String TRAIN = """
            0000/0000_000_01_0303morning_0015_0.jpg 0
            0000/0000_001_05_0303morning_0036_1.jpg 0\r
            0001/0001_000_15_0303afternoon_0100_0.jpg 1
            0003/0003_000_10_0303noon_0200_0.jpg 3

            """;
    private static final String VAL = """
            0001/0001_002_12_0303afternoon_0150_0.jpg 1
            0002/0002_000_07_0303noon_0001_0.jpg 2
            """;
    private static final String QUERY = """
            0000/0000_000_01_0303morning_0001_0.jpg 0
            0001/0001_000_11_0303morning_0002_0.jpg 1
            """;
    private static final String GALLERY = """
            0000/0000_001_02_0303morning_0003_0.jpg 0
            0001/0001_001_13_0303morning_0004_0.jpg 1
            0002/0002_000_04_0303morning_0005_0.jpg 2
            """;

    private Path tree(String version, String trainDir, String testDir) {
        Path d = tmp.resolve(version);
        Trees.write(d.resolve("list_train.txt"), TRAIN);
        Trees.write(d.resolve("list_val.txt"), VAL);
        Trees.write(d.resolve("list_query.txt"), QUERY);
        Trees.write(d.resolve("list_gallery.txt"), GALLERY);
        for (String l : (TRAIN + VAL).split("\n")) if (!l.isBlank()) Trees.touch(d.resolve(trainDir), l.strip().split(" ")[0]);
        for (String l : (QUERY + GALLERY).split("\n")) Trees.touch(d.resolve(testDir), l.strip().split(" ")[0]);
        return d;
    }

    @Test
    void readsListsWithTwoDigitCamerasWithoutVal() throws IOException {
        Path d = tree("MSMT17_V1", "train", "test");
        Manifest m = new Msmt17Catalog(Msmt17Catalog.Version.V1, false).read(Trees.storage(), tmp.toString());
        assertEquals("msmt17", m.dataset());
        assertEquals(4, m.train().size());
        assertEquals(2, m.query().size());
        assertEquals(3, m.gallery().size());
        assertEquals(3, m.trainIdentities());
        Map<String, Sample> train = byName(m.train());
        assertSample(train.get("0000_000_01_0303morning_0015_0.jpg"), 0, 0, 0, Split.TRAIN);
        assertSample(train.get("0000_001_05_0303morning_0036_1.jpg"), 0, 0, 4, Split.TRAIN);
        assertSample(train.get("0001_000_15_0303afternoon_0100_0.jpg"), 1, 1, 14, Split.TRAIN);
        assertSample(train.get("0003_000_10_0303noon_0200_0.jpg"), 3, 2, 9, Split.TRAIN);
        assertEquals(Trees.uri(d.resolve("train/0001/0001_000_15_0303afternoon_0100_0.jpg")),
                train.get("0001_000_15_0303afternoon_0100_0.jpg").uri());
        Sample q = byName(m.query()).get("0001_000_11_0303morning_0002_0.jpg");
        assertSample(q, 1, -1, 10, Split.QUERY);
        assertEquals(Trees.uri(d.resolve("test/0001/0001_000_11_0303morning_0002_0.jpg")), q.uri());
        assertSample(byName(m.gallery()).get("0001_001_13_0303morning_0004_0.jpg"), 1, -1, 12, Split.GALLERY);
    }

    @Test
    void valJoinsTrainingOnRequestAndPidsAreRelabelledInOrder() throws IOException {
        tree("MSMT17_V1", "train", "test");
        Manifest m = new Msmt17Catalog(Msmt17Catalog.Version.V1, true).read(Trees.storage(), tmp.toString());
        assertEquals(6, m.train().size());
        assertEquals(4, m.trainIdentities());
        Map<String, Sample> train = byName(m.train());
        assertSample(train.get("0002_000_07_0303noon_0001_0.jpg"), 2, 2, 6, Split.TRAIN);
        assertSample(train.get("0003_000_10_0303noon_0200_0.jpg"), 3, 3, 9, Split.TRAIN);
        assertSample(train.get("0001_002_12_0303afternoon_0150_0.jpg"), 1, 1, 11, Split.TRAIN);
    }

    @Test
    void v2ReadsMaskFoldersAndTheWrongVersionSaysWhichKeyToSet() throws IOException {
        Path d = tree("MSMT17_V2", "mask_train_v2", "mask_test_v2");
        Manifest m = new Msmt17Catalog(Msmt17Catalog.Version.V2, false).read(Trees.storage(), tmp.toString());
        assertEquals(Trees.uri(d.resolve("mask_train_v2/0000/0000_000_01_0303morning_0015_0.jpg")),
                m.train().get(0).uri());
        // root may also be the version folder itself
        assertEquals(m, new Msmt17Catalog(Msmt17Catalog.Version.V2, false).read(Trees.storage(), d.toString()));
        CatalogError e = assertThrows(CatalogError.class,
                () -> new Msmt17Catalog(Msmt17Catalog.Version.V1, false).read(Trees.storage(), tmp.toString()));
        assertTrue(e.getMessage().contains("reid.data.msmt17.version"), e.getMessage());
        assertTrue(e.getMessage().contains(Trees.uri(tmp.resolve("MSMT17_V1/train"))), e.getMessage());
    }

    @Test
    void badLinesAreReportedWithFileAndLine() {
        Path d = tree("MSMT17_V1", "train", "test");
        Trees.write(d.resolve("list_train.txt"), TRAIN.strip() + "\n"
                + "0000/0000_000_xx_0303morning_0001_0.jpg 0\n"
                + "0000/0000_000_01_0303morning_0002_0.jpg\n"
                + "0000/0000_000_01_0303morning_0003_0.jpg zero\n");
        CatalogError e = assertThrows(CatalogError.class,
                () -> new Msmt17Catalog(Msmt17Catalog.Version.V1, false).read(Trees.storage(), tmp.toString()));
        String list = Trees.uri(d.resolve("list_train.txt"));
        assertTrue(e.getMessage().contains("3 entries"), e.getMessage());
        assertTrue(e.getMessage().contains(list + ":5: no camera number"), e.getMessage());
        assertTrue(e.getMessage().contains(list + ":6: expected"), e.getMessage());
        assertTrue(e.getMessage().contains(list + ":7: pid \"zero\""), e.getMessage());
    }

    @Test
    void emptyOrMissingListIsAnErrorNamingIt() {
        Path d = tree("MSMT17_V1", "train", "test");
        Trees.write(d.resolve("list_query.txt"), "\n");
        CatalogError empty = assertThrows(CatalogError.class,
                () -> new Msmt17Catalog(Msmt17Catalog.Version.V1, false).read(Trees.storage(), tmp.toString()));
        assertTrue(empty.getMessage().contains("query split (" + Trees.uri(d.resolve("list_query.txt")) + ") has no images"),
                empty.getMessage());
        assertTrue(d.resolve("list_gallery.txt").toFile().delete());
        CatalogError missing = assertThrows(CatalogError.class,
                () -> new Msmt17Catalog(Msmt17Catalog.Version.V1, false).read(Trees.storage(), tmp.toString()));
        assertTrue(missing.getMessage().contains(Trees.uri(d.resolve("list_gallery.txt")) + " is missing"),
                missing.getMessage());
    }
}
