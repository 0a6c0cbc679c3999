package org.reidspark.data.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reidspark.data.catalog.Market1501CatalogTest.assertSample;
import static org.reidspark.data.catalog.Market1501CatalogTest.byName;

class LtccCatalogTest {
    @TempDir
    Path tmp;

    private Path ltcc() {
        Path d = tmp.resolve("LTCC_ReID");
        Trees.touch(d.resolve("train"), "001_1_c11_015804.png", "001_1_c3_000001.png", "001_2_c5_000010.png",
                "003_1_c1_000100.png", "003_10_c2_000200.png", "readme.txt");
        Trees.touch(d.resolve("query"), "010_1_c1_000001.png", "012_2_c12_000001.png");
        Trees.touch(d.resolve("test"), "010_1_c4_000002.png", "010_3_c2_000003.png", "012_1_c6_000004.png",
                "012_2_c1_000005.png");
        return d;
    }

    @Test
    void readsClothesPerPersonAndOutfitWithTrainingClassesFirst() throws IOException {
        ltcc();
        Manifest m = Catalogs.byName("ltcc").read(Trees.storage(), tmp.toString());
        assertEquals(5, m.train().size());
        assertEquals(2, m.query().size());
        assertEquals(4, m.gallery().size());
        assertEquals(2, m.trainIdentities());
        Map<String, Sample> train = byName(m.train());
        assertSample(train.get("001_1_c11_015804.png"), 1, 0, 10, Split.TRAIN);
        assertSample(train.get("003_10_c2_000200.png"), 3, 1, 1, Split.TRAIN);
        // training prefixes 001_1 < 001_2 < 003_1 < 003_10 are classes 0..3 (CAL's training labels)
        assertEquals(0, train.get("001_1_c11_015804.png").clothes());
        assertEquals(0, train.get("001_1_c3_000001.png").clothes());
        assertEquals(1, train.get("001_2_c5_000010.png").clothes());
        assertEquals(2, train.get("003_1_c1_000100.png").clothes());
        assertEquals(3, train.get("003_10_c2_000200.png").clothes());
        // test prefixes 010_1 < 010_3 < 012_1 < 012_2 continue at 4; query and gallery share them
        Map<String, Sample> query = byName(m.query());
        Map<String, Sample> gallery = byName(m.gallery());
        assertSample(query.get("012_2_c12_000001.png"), 12, -1, 11, Split.QUERY);
        assertEquals(7, query.get("012_2_c12_000001.png").clothes());
        assertEquals(7, gallery.get("012_2_c1_000005.png").clothes());
        assertEquals(4, query.get("010_1_c1_000001.png").clothes());
        assertEquals(4, gallery.get("010_1_c4_000002.png").clothes());
        assertEquals(5, gallery.get("010_3_c2_000003.png").clothes());
        assertEquals(6, gallery.get("012_1_c6_000004.png").clothes());
        // outfit "1" of different people is never one class
        assertNotEquals(train.get("001_1_c3_000001.png").clothes(), train.get("003_1_c1_000100.png").clothes());
        assertEquals(8, m.clothesClasses());
        Set<Integer> all = new HashSet<>();
        for (Sample s : m.samples()) all.add(s.clothes());
        assertEquals(8, all.size());
    }

    @Test
    void badNamesAndMissingGalleryFolderAreReported() throws IOException {
        Path d = ltcc();
        Trees.touch(d.resolve("query"), "010_c1_000001.png", "x_1_c1_0.png", "010_1_c0_000009.png");
        CatalogError e = assertThrows(CatalogError.class, () -> new LtccCatalog().read(Trees.storage(), d.toString()));
        assertTrue(e.getMessage().contains("3 entries"), e.getMessage());
        assertTrue(e.getMessage().contains(Trees.uri(d.resolve("query/x_1_c1_0.png"))), e.getMessage());
        assertTrue(e.getMessage().contains("camera c0"), e.getMessage());

        java.nio.file.Files.walk(d.resolve("test")).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        CatalogError missing = assertThrows(CatalogError.class,
                () -> new LtccCatalog().read(Trees.storage(), d.toString()));
        assertTrue(missing.getMessage().contains(Trees.uri(d.resolve("test")) + " is missing"), missing.getMessage());
    }
}
