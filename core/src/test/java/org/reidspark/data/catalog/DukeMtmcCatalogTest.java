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

class DukeMtmcCatalogTest {
    @TempDir
    Path tmp;

    private static void dukeTree(Path d) {
        Trees.touch(d.resolve("bounding_box_train"), "0001_c2_f0046182.jpg", "0001_c8_f0050000.jpg",
                "0005_c1_f0001000.jpg", "0005_c7_f0002000.jpg");
        Trees.touch(d.resolve("query"), "0011_c3_f0100000.jpg");
        Trees.touch(d.resolve("bounding_box_test"), "0011_c8_f0100500.jpg", "0011_c3_f0100600.jpg",
                "0012_c4_f0100700.jpg");
    }

    @Test
    void readsEightCamerasFromDukeNames() throws IOException {
        dukeTree(tmp.resolve("DukeMTMC-reID"));
        Manifest m = Catalogs.byName("dukemtmc").read(Trees.storage(), tmp.toString());
        assertEquals("dukemtmc", m.dataset());
        assertEquals(4, m.train().size());
        assertEquals(2, m.trainIdentities());
        Map<String, Sample> train = byName(m.train());
        assertSample(train.get("0001_c8_f0050000.jpg"), 1, 0, 7, Split.TRAIN);
        assertSample(train.get("0005_c7_f0002000.jpg"), 5, 1, 6, Split.TRAIN);
        assertSample(byName(m.query()).get("0011_c3_f0100000.jpg"), 11, -1, 2, Split.QUERY);
        assertSample(byName(m.gallery()).get("0011_c8_f0100500.jpg"), 11, -1, 7, Split.GALLERY);
        assertEquals(3, m.gallery().size());
    }

    @Test
    void occludedDukeReadsItsOwnFolderNameOnly() throws IOException {
        dukeTree(tmp.resolve("Occluded_Duke"));
        Manifest m = Catalogs.byName("occluded-duke").read(Trees.storage(), tmp.toString());
        assertEquals("occluded-duke", m.dataset());
        assertTrue(m.root().endsWith("/Occluded_Duke"), m.root());
        assertEquals(8, m.samples().size());
        // the DukeMTMC-reID catalog does not take Occluded_Duke for its own folder
        CatalogError e = assertThrows(CatalogError.class,
                () -> Catalogs.byName("dukemtmc").read(Trees.storage(), tmp.toString()));
        assertTrue(e.getMessage().contains("DukeMTMC-reID/bounding_box_train"), e.getMessage());
    }
}
