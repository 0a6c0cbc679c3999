package org.reidspark.data.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reidspark.data.catalog.Market1501CatalogTest.assertSample;
import static org.reidspark.data.catalog.Market1501CatalogTest.byName;

class PrccCatalogTest {
    @TempDir
    Path tmp;

    private Path prcc() {
        Path rgb = tmp.resolve("prcc/rgb");
        Trees.touch(rgb.resolve("train"), "001/A_cropped_rgb001.jpg", "001/B_cropped_rgb002.jpg",
                "001/C_cropped_rgb003.jpg", "002/A_cropped_rgb004.jpg", "002/C_cropped_rgb005.jpg",
                "002/C_cropped_rgb006.jpg", "002/Thumbs.db");
        Trees.touch(rgb.resolve("val"), "004/A_cropped_rgb001.jpg");
        Trees.touch(rgb.resolve("test"), "A/003/cropped_rgb001.jpg", "A/005/cropped_rgb002.jpg",
                "A/005/cropped_rgb003.jpg", "B/003/cropped_rgb004.jpg", "B/005/cropped_rgb005.jpg",
                "C/003/cropped_rgb006.jpg", "C/005/cropped_rgb007.jpg", "C/005/cropped_rgb008.jpg");
        return tmp.resolve("prcc");
    }

    private static Map<String, Sample> byRelative(java.util.List<Sample> samples) {
        Map<String, Sample> out = new java.util.TreeMap<>();
        for (Sample s : samples) {
            String[] p = s.uri().split("/");
            out.put(p[p.length - 2] + "/" + p[p.length - 1], s);
        }
        return out;
    }

    @Test
    void trainCamerasAndClothesComeFromTheFirstLetter() throws IOException {
        prcc();
        Manifest m = new PrccCatalog(PrccCatalog.QuerySet.CLOTHES_CHANGING).read(Trees.storage(), tmp.toString());
        assertEquals(6, m.train().size());
        assertEquals(2, m.trainIdentities());
        Map<String, Sample> train = byRelative(m.train());
        assertSample(train.get("001/A_cropped_rgb001.jpg"), 1, 0, 0, Split.TRAIN);
        assertSample(train.get("001/B_cropped_rgb002.jpg"), 1, 0, 1, Split.TRAIN);
        assertSample(train.get("001/C_cropped_rgb003.jpg"), 1, 0, 2, Split.TRAIN);
        assertSample(train.get("002/C_cropped_rgb006.jpg"), 2, 1, 2, Split.TRAIN);
        // keys "001" (A, B), "001C", "002", "002C" -> 0, 1, 2, 3
        assertEquals(0, train.get("001/A_cropped_rgb001.jpg").clothes());
        assertEquals(0, train.get("001/B_cropped_rgb002.jpg").clothes());
        assertEquals(1, train.get("001/C_cropped_rgb003.jpg").clothes());
        assertEquals(2, train.get("002/A_cropped_rgb004.jpg").clothes());
        assertEquals(3, train.get("002/C_cropped_rgb005.jpg").clothes());
        for (Sample s : m.samples()) assertTrue(!s.uri().contains("/val/"), "val is not read: " + s.uri());
    }

    @Test
    void clothesChangingAndSameClothesQuerySets() throws IOException {
        Path root = prcc();
        Manifest cc = new PrccCatalog(PrccCatalog.QuerySet.CLOTHES_CHANGING).read(Trees.storage(), root.toString());
        Manifest sc = new PrccCatalog(PrccCatalog.QuerySet.SAME_CLOTHES).read(Trees.storage(), root.toString());
        assertEquals(cc.gallery(), sc.gallery());
        assertEquals(cc.train(), sc.train());
        Map<String, Sample> gallery = byRelative(cc.gallery());
        assertEquals(3, gallery.size());
        // 4 training clothes classes; test persons 3 and 5 are gallery indices 0 and 1: A/B 4+2i, C 4+2i+1
        assertSample(gallery.get("003/cropped_rgb001.jpg"), 3, -1, 0, Split.GALLERY);
        assertEquals(4, gallery.get("003/cropped_rgb001.jpg").clothes());
        assertEquals(6, gallery.get("005/cropped_rgb003.jpg").clothes());

        Map<String, Sample> ccq = byRelative(cc.query());
        assertEquals(3, ccq.size());
        assertSample(ccq.get("003/cropped_rgb006.jpg"), 3, -1, 2, Split.QUERY);
        assertEquals(5, ccq.get("003/cropped_rgb006.jpg").clothes());
        assertEquals(7, ccq.get("005/cropped_rgb008.jpg").clothes());
        for (Sample s : cc.query()) assertTrue(s.uri().contains("/test/C/"), s.uri());

        Map<String, Sample> scq = byRelative(sc.query());
        assertEquals(2, scq.size());
        assertSample(scq.get("005/cropped_rgb005.jpg"), 5, -1, 1, Split.QUERY);
        assertEquals(6, scq.get("005/cropped_rgb005.jpg").clothes());
        for (Sample s : sc.query()) assertTrue(s.uri().contains("/test/B/"), s.uri());
        assertEquals(8, cc.clothesClasses());
    }

    /**
     * With both query sets, the clothes-changing protocol ranks exactly the C queries as the clothes-changing set does
     * under the standard protocol, and the same-clothes protocol exactly the B queries (CAL's {@code test_prcc}).
     */
    @Test
    void bothQuerySetsGiveEachSetsFiguresUnderTheClothesProtocols() throws IOException {
        Path root = prcc();
        Manifest both = new PrccCatalog(PrccCatalog.QuerySet.BOTH).read(Trees.storage(), root.toString());
        Manifest cc = new PrccCatalog(PrccCatalog.QuerySet.CLOTHES_CHANGING).read(Trees.storage(), root.toString());
        Manifest sc = new PrccCatalog(PrccCatalog.QuerySet.SAME_CLOTHES).read(Trees.storage(), root.toString());
        assertEquals(cc.query().size() + sc.query().size(), both.query().size());
        assertEquals(cc.gallery(), both.gallery());
        org.reidspark.eval.RankingMetrics ccOfBoth = rank(both, org.reidspark.eval.Protocol.CLOTHES_CHANGING);
        org.reidspark.eval.RankingMetrics scOfBoth = rank(both, org.reidspark.eval.Protocol.SAME_CLOTHES);
        org.reidspark.eval.RankingMetrics ccAlone = rank(cc, org.reidspark.eval.Protocol.STANDARD);
        org.reidspark.eval.RankingMetrics scAlone = rank(sc, org.reidspark.eval.Protocol.STANDARD);
        assertEquals(ccAlone.validQueries(), ccOfBoth.validQueries());
        assertEquals(ccAlone.mAP(), ccOfBoth.mAP(), 1e-12);
        assertEquals(scAlone.validQueries(), scOfBoth.validQueries());
        assertEquals(scAlone.mAP(), scOfBoth.mAP(), 1e-12);
        assertEquals("both", PrccCatalog.QuerySet.BOTH.key());
    }

    /** Seeded random embeddings per image (the same image, the same vector in every manifest), ranked under p. */
    private static org.reidspark.eval.RankingMetrics rank(Manifest m, org.reidspark.eval.Protocol p) {
        java.util.function.Function<List<Sample>, float[][]> embed = samples -> {
            float[][] out = new float[samples.size()][];
            for (int i = 0; i < out.length; i++) {
                java.util.Random r = new java.util.Random(samples.get(i).uri().hashCode());
                out[i] = new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()};
            }
            return out;
        };
        return org.reidspark.eval.Evaluator.fromDistances(distances(embed.apply(m.query()), embed.apply(m.gallery())),
                org.reidspark.eval.Labels.of("query", m.query()), org.reidspark.eval.Labels.of("gallery", m.gallery()),
                org.reidspark.eval.RankingOptions.of(p).withThreads(1));
    }

    private static float[] distances(float[][] q, float[][] g) {
        float[] d = new float[q.length * g.length];
        for (int i = 0; i < q.length; i++) {
            for (int j = 0; j < g.length; j++) {
                float s = 0;
                for (int k = 0; k < q[i].length; k++) s += (q[i][k] - g[j][k]) * (q[i][k] - g[j][k]);
                d[i * g.length + j] = s;
            }
        }
        return d;
    }

    @Test
    void badNamesAndQueryPersonsWithoutGalleryAreReported() {
        Path root = prcc();
        Trees.touch(root.resolve("rgb/train"), "001/D_cropped_rgb009.jpg", "abc/A_cropped_rgb010.jpg",
                "loose.jpg");
        Trees.touch(root.resolve("rgb/test"), "C/007/cropped_rgb011.jpg", "C/007/cropped_rgb012.jpg");
        CatalogError e = assertThrows(CatalogError.class,
                () -> new PrccCatalog(PrccCatalog.QuerySet.CLOTHES_CHANGING).read(Trees.storage(), root.toString()));
        String msg = e.getMessage();
        assertTrue(msg.contains("4 entries"), msg);
        assertTrue(msg.contains(Trees.uri(root.resolve("rgb/train/001/D_cropped_rgb009.jpg"))
                + ": the name does not start with the camera letter"), msg);
        assertTrue(msg.contains("person folder \"abc\""), msg);
        assertTrue(msg.contains(Trees.uri(root.resolve("rgb/train/loose.jpg"))), msg);
        assertTrue(msg.contains("person 7 has no gallery folder in " + Trees.uri(root.resolve("rgb/test/A"))), msg);
    }
}
