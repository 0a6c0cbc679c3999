package org.reidspark.data.catalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.reidspark.data.catalog.Market1501CatalogTest.assertSample;

class CsvCatalogTest {
    @TempDir
    Path tmp;

    private static Map<String, Sample> byUri(Manifest m) {
        Map<String, Sample> out = new TreeMap<>();
        for (Sample s : m.samples()) out.put(s.uri(), s);
        return out;
    }

    @Test
    void readsColumnsInAnyOrderResolvesPathsAndNumbersClothes() throws IOException {
        Path csv = Trees.write(tmp.resolve("custom/manifest.csv"), """
                split,path,pid,camid,clothes
                train, imgs/a.jpg ,1,0,red
                train,imgs/b.jpg,1,0,blue
                ,imgs/c.jpg,4,0,
                train,/abs/junk.jpg,-1,0,
                # a comment

                query,s3a://bucket/people/q1.jpg,7,0,red
                GALLERY,imgs/g1.jpg,7,1,red
                gallery,imgs/g2.jpg,9,1,
                """);
        // the s3a:// and /abs rows are outside the CSV's folder: accepted only when allowed
        CatalogError refused = assertThrows(CatalogError.class,
                () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), tmp.resolve("custom").toString()));
        assertTrue(refused.getMessage().contains("s3a://bucket/people/q1.jpg") && refused.getMessage().contains("/abs/junk.jpg")
                && refused.getMessage().contains("reid.data.csv.allow-outside-root"), refused.getMessage());
        Manifest m = new CsvCatalog(Split.TRAIN, true).read(Trees.storage(), tmp.resolve("custom").toString());
        assertEquals("csv", m.dataset());
        assertEquals(Trees.uri(csv), m.root());
        assertEquals(3, m.train().size());
        assertEquals(1, m.query().size());
        assertEquals(2, m.gallery().size());
        Map<String, Sample> s = byUri(m);
        String dir = Trees.uri(tmp.resolve("custom"));
        assertSample(s.get(dir + "/imgs/a.jpg"), 1, 0, 0, Split.TRAIN);
        assertSample(s.get(dir + "/imgs/c.jpg"), 4, 1, 0, Split.TRAIN);
        assertSample(s.get("s3a://bucket/people/q1.jpg"), 7, -1, 0, Split.QUERY);
        assertSample(s.get(dir + "/imgs/g1.jpg"), 7, -1, 1, Split.GALLERY);
        // training pairs (1, blue) < (1, red) first, then (7, red); empty clothes is -1
        assertEquals(0, s.get(dir + "/imgs/b.jpg").clothes());
        assertEquals(1, s.get(dir + "/imgs/a.jpg").clothes());
        assertEquals(2, s.get("s3a://bucket/people/q1.jpg").clothes());
        assertEquals(2, s.get(dir + "/imgs/g1.jpg").clothes());
        assertEquals(-1, s.get(dir + "/imgs/c.jpg").clothes());
        assertEquals(-1, s.get(dir + "/imgs/g2.jpg").clothes());
        assertTrue(m.samples().stream().noneMatch(x -> x.uri().contains("junk")));
    }

    @Test
    void withoutSplitColumnEveryRowTakesTheDefaultSplit() throws IOException {
        Path csv = Trees.write(tmp.resolve("train.csv"), "path,pid,camid\nx/1.jpg,10,0\nx/2.jpg,3,0\nx/3.jpg,10,0\n");
        Manifest m = new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString());
        assertEquals(3, m.train().size());
        assertEquals(0, m.query().size());
        assertEquals(2, m.trainIdentities());
        assertEquals(1, byUri(m).get(Trees.uri(tmp.resolve("x/1.jpg"))).label());

        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.QUERY).read(Trees.storage(), csv.toString()));
        assertTrue(e.getMessage().contains("query rows but no gallery rows"), e.getMessage());
    }

    @Test
    void queryAndGalleryOnOneCameraGetTheSameCameraExplanation() {
        Path csv = Trees.write(tmp.resolve("m.csv"), """
                path,pid,camid,split
                t/1.jpg,1,0,train
                q/1.jpg,5,0,query
                q/2.jpg,6,0,query
                g/1.jpg,5,0,gallery
                g/2.jpg,6,0,gallery
                """);
        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        String msg = e.getMessage();
        assertTrue(msg.contains("every query and gallery image has camera id 0"), msg);
        assertTrue(msg.contains("removes from the gallery the images of the query's person taken by the query's camera"), msg);
        assertTrue(msg.contains("different camera ids in the camid column of " + Trees.uri(csv)), msg);

        Trees.write(csv, """
                path,pid,camid,split
                q/1.jpg,5,0,query
                g/1.jpg,5,1,gallery
                g/2.jpg,6,1,gallery
                """);
        assertEquals(1, assertRead(csv).query().size());
    }

    private static Manifest assertRead(Path csv) {
        try {
            return new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badRowsAreReportedWithLineNumbers() {
        Path csv = Trees.write(tmp.resolve("m.csv"), """
                path,pid,camid,split
                a.jpg,one,0,train
                b.jpg,1,-2,train
                c.jpg,1,0,test
                d.jpg,1,0
                ,1,0,train
                e.jpg,1,0,train
                """);
        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        String msg = e.getMessage();
        String f = Trees.uri(csv);
        assertTrue(msg.contains("5 entries"), msg);
        assertTrue(msg.contains(f + ":2: pid \"one\""), msg);
        assertTrue(msg.contains(f + ":3: camid \"-2\""), msg);
        assertTrue(msg.contains(f + ":4: split \"test\""), msg);
        assertTrue(msg.contains(f + ":5: expected 4 fields"), msg);
        assertTrue(msg.contains(f + ":6: empty path"), msg);
    }

    @Test
    void headerProblemsNameTheColumns() {
        Path csv = Trees.write(tmp.resolve("m.csv"), "path,pid,camera\na.jpg,1,0\n");
        CatalogError unknown = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        assertTrue(unknown.getMessage().contains("unknown column \"camera\""), unknown.getMessage());
        Trees.write(csv, "a.jpg,1,0\n");
        CatalogError noHeader = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        assertTrue(noHeader.getMessage().contains("the first line must be the header"), noHeader.getMessage());
        Trees.write(csv, "path,pid\na.jpg,1\n");
        CatalogError missing = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        assertTrue(missing.getMessage().contains("no \"camid\" column"), missing.getMessage());
        CatalogError noFile = assertThrows(CatalogError.class,
                () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), tmp.resolve("empty-dir").toFile().mkdir()
                        ? tmp.resolve("empty-dir").toString() : "x"));
        assertTrue(noFile.getMessage().contains(Trees.uri(tmp.resolve("empty-dir/manifest.csv")) + " does not exist"),
                noFile.getMessage());
    }

    @Test
    void quotedFieldsHoldCommasQuotesAndNonAsciiNames() throws IOException {
        Path csv = Trees.write(tmp.resolve("quoted/manifest.csv"), """
                path,pid,camid,split
                "imgs/a,b.jpg",1,0,train
                "imgs/it's ""q"".jpg",1,0,train
                imgs/Zoë Ñandú 李.jpg,2,0,train
                "imgs/q, 1.jpg",5,0,query
                imgs/g1.jpg,5,1,gallery
                """);
        Manifest m = new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString());
        Map<String, Sample> s = byUri(m);
        String dir = Trees.uri(tmp.resolve("quoted"));
        assertSample(s.get(dir + "/imgs/a,b.jpg"), 1, 0, 0, Split.TRAIN);
        assertSample(s.get(dir + "/imgs/it's \"q\".jpg"), 1, 0, 0, Split.TRAIN);
        assertSample(s.get(dir + "/imgs/Zoë Ñandú 李.jpg"), 2, 1, 0, Split.TRAIN);
        assertSample(s.get(dir + "/imgs/q, 1.jpg"), 5, -1, 0, Split.QUERY);
        assertEquals(5, m.samples().size());
    }

    @Test
    void pathsLeavingTheCsvFolderAndRepeatedImagesAreRefused() throws IOException {
        Path csv = Trees.write(tmp.resolve("data/set/manifest.csv"), """
                path,pid,camid
                ok/a.jpg,1,0
                ../other/secret.jpg,1,0
                ok/../ok/b.jpg,2,0
                /etc/passwd,2,0
                s3a://someone-else/x.jpg,3,0
                ok/a.jpg,4,0
                """);
        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), csv.toString()));
        String m = e.getMessage();
        String where = Trees.uri(csv);
        assertTrue(m.contains(where + ":3") && m.contains("\"../other/secret.jpg\" has a '..' segment"), m);
        assertTrue(m.contains(where + ":4") && m.contains("ok/../ok/b.jpg"), m);
        assertTrue(m.contains(where + ":5") && m.contains("/etc/passwd\" is outside the CSV's folder"), m);
        assertTrue(m.contains(where + ":6") && m.contains("s3a://someone-else/x.jpg"), m);
        assertTrue(m.contains(where + ":7") && m.contains("is listed again (first at " + where + ":2)"), m);
        assertTrue(m.contains("reid.data.csv.allow-outside-root=true"), m);

        // allowed: the paths outside are taken; the repeated image is still refused
        CatalogError again = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN, true).read(Trees.storage(), csv.toString()));
        assertTrue(again.getMessage().contains("1 entry does") && again.getMessage().contains("listed again"), again.getMessage());
        Path fine = Trees.write(tmp.resolve("data/set/allowed.csv"), "path,pid,camid\nok/a.jpg,1,0\n../other/b.jpg,1,0\n");
        Manifest allowed = new CsvCatalog(Split.TRAIN, true).read(Trees.storage(), fine.toString());
        assertTrue(allowed.samples().stream().anyMatch(x -> x.uri().endsWith("/data/other/b.jpg")), allowed.samples().toString());
    }

    @Test
    void oneIdentityAndAnEmptySplitAreClearErrorsOrUsable() throws IOException {
        // one identity is a usable training set (classification with one class is degenerate, but the catalog does not judge)
        Path one = Trees.write(tmp.resolve("one.csv"), "path,pid,camid\nx/1.jpg,10,0\nx/2.jpg,10,1\n");
        Manifest m = new CsvCatalog(Split.TRAIN).read(Trees.storage(), one.toString());
        assertEquals(1, m.train().stream().map(Sample::pid).distinct().count());
        // a query split with no gallery is refused, naming the file
        Path noGallery = Trees.write(tmp.resolve("nogallery.csv"), "path,pid,camid,split\nx/1.jpg,10,0,train\nx/2.jpg,10,1,query\n");
        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), noGallery.toString()));
        assertTrue(e.getMessage().contains("query rows but no gallery rows") && e.getMessage().contains("nogallery.csv"), e.getMessage());
    }

    @Test
    void trainRowsWithAnEmptyPidAreAnUnlabelledTrainingSplit() throws IOException {
        Trees.write(tmp.resolve("u/manifest.csv"), """
                path,pid,camid,split
                imgs/b.jpg,,1,train
                imgs/a.jpg,,0,
                q/7.jpg,7,0,query
                g/7.jpg,7,1,gallery
                """);
        Manifest m = new CsvCatalog(Split.TRAIN).read(Trees.storage(), tmp.resolve("u").toString());
        String dir = Trees.uri(tmp.resolve("u"));
        assertFalse(m.trainLabeled());
        assertEquals(0, m.trainIdentities());
        assertEquals(java.util.List.of(Sample.unlabeled(dir + "/imgs/a.jpg", 0), Sample.unlabeled(dir + "/imgs/b.jpg", 1)), m.train());
        assertSample(m.query().get(0), 7, -1, 0, Split.QUERY);

        // a train split is all labelled or all unlabelled; query and gallery rows need their pid; no outfit without a person
        Trees.write(tmp.resolve("mix/manifest.csv"), """
                path,pid,camid,clothes,split
                a.jpg,1,0,,train
                b.jpg,,0,,train
                q.jpg,,0,,query
                c.jpg,,0,red,train
                """);
        CatalogError e = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), tmp.resolve("mix").toString()));
        assertTrue(e.getMessage().contains("manifest.csv:4") && e.getMessage().contains("train rows only"), e.getMessage());
        assertTrue(e.getMessage().contains("manifest.csv:5") && e.getMessage().contains("clothes \"red\""), e.getMessage());
        Trees.write(tmp.resolve("mix/manifest.csv"), """
                path,pid,camid,split
                a.jpg,1,0,train
                b.jpg,,0,train
                """);
        CatalogError mixed = assertThrows(CatalogError.class, () -> new CsvCatalog(Split.TRAIN).read(Trees.storage(), tmp.resolve("mix").toString()));
        assertTrue(mixed.getMessage().contains("manifest.csv:2") && mixed.getMessage().contains("manifest.csv:3")
                && mixed.getMessage().contains("mixes"), mixed.getMessage());
    }
}
