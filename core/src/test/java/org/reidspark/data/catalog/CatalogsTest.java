package org.reidspark.data.catalog;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogsTest {
    @TempDir
    Path tmp;

    @Test
    void everyNameMapsToTheCatalogOfThatName() {
        for (String name : Catalogs.NAMES) assertEquals(name, Catalogs.byName(name).name());
        ConfigError e = assertThrows(ConfigError.class, () -> Catalogs.byName("market"));
        assertTrue(e.getMessage().contains("\"market\""), e.getMessage());
        for (String name : Catalogs.NAMES) assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void dataConfigReadsItsKeys() {
        DataConfig defaults = DataConfig.from(ConfigLoader.load(List.of()));
        assertEquals(DataConfig.reference(), defaults);
        assertEquals(Msmt17Catalog.Version.V1, defaults.msmt17Version());
        assertFalse(defaults.msmt17ValIntoTrain());
        assertEquals(PrccCatalog.QuerySet.CLOTHES_CHANGING, defaults.prccQuery());
        assertEquals(Split.TRAIN, defaults.csvDefaultSplit());

        Config c = ConfigLoader.load(List.of("reid.data.dataset=msmt17", "reid.data.root=s3a://bucket/msmt",
                "reid.data.msmt17.version=v2", "reid.data.msmt17.val-into-train=true",
                "reid.data.prcc.query=same-clothes", "reid.data.csv.default-split=gallery"));
        DataConfig d = DataConfig.from(c);
        assertEquals(new DataConfig("msmt17", "s3a://bucket/msmt", Msmt17Catalog.Version.V2, true,
                PrccCatalog.QuerySet.SAME_CLOTHES, Split.GALLERY, false), d);
        assertEquals("msmt17", Catalogs.of(d).name());
    }

    @Test
    void badDataValuesNameTheKey() {
        ConfigError v = assertThrows(ConfigError.class,
                () -> DataConfig.from(ConfigLoader.load(List.of("reid.data.msmt17.version=v3"))));
        assertTrue(v.getMessage().contains("reid.data.msmt17.version") && v.getMessage().contains("\"v3\""), v.getMessage());
        ConfigError q = assertThrows(ConfigError.class,
                () -> DataConfig.from(ConfigLoader.load(List.of("reid.data.prcc.query=cc"))));
        assertTrue(q.getMessage().contains("reid.data.prcc.query"), q.getMessage());
        ConfigError r = assertThrows(ConfigError.class,
                () -> DataConfig.from(ConfigLoader.load(List.of("reid.data.root=\"\""))));
        assertTrue(r.getMessage().contains("reid.data.root"), r.getMessage());
    }

    /** A second file-system scheme over local files: catalogs must use only the Hadoop FileSystem API. */
    public static class OtherSchemeFileSystem extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("other:///");
        }

        @Override
        public String getScheme() {
            return "other";
        }
    }

    @Test
    void readsThroughAnyHadoopFileSystemAndKeepsItsScheme() throws IOException {
        Path d = tmp.resolve("LTCC_ReID");
        Trees.touch(d.resolve("train"), "001_1_c1_000001.png", "001_2_c2_000002.png");
        Trees.touch(d.resolve("query"), "005_1_c1_000001.png");
        Trees.touch(d.resolve("test"), "005_2_c3_000002.png");
        Configuration conf = new Configuration();
        conf.set("fs.other.impl", OtherSchemeFileSystem.class.getName());
        conf.setBoolean("fs.other.impl.disable.cache", true);
        Manifest m = new LtccCatalog().read(new Storage(conf), "other://" + tmp.toAbsolutePath());
        assertEquals(4, m.samples().size());
        assertEquals("other:" + d.toAbsolutePath(), m.root());
        for (Sample s : m.samples()) assertTrue(s.uri().startsWith("other:/"), s.uri());
        assertEquals(new LtccCatalog().read(Trees.storage(), tmp.toString()).samples().stream()
                        .map(s -> s.uri().substring("file:".length())).toList(),
                m.samples().stream().map(s -> s.uri().substring("other:".length())).toList());
    }

    @Test
    void trainLabelsNoneReadsTheTrainingSplitWithoutPersons() throws IOException {
        Path d = tmp.resolve("Market-1501-v15.09.15");
        Trees.touch(d.resolve("bounding_box_train"), "0007_c2s1_000100_01.jpg", "0002_c1s1_000451_03.jpg",
                "0002_c3s1_000551_01.jpg", "-1_c1s1_000001_00.jpg");
        Trees.touch(d.resolve("query"), "0002_c2s1_000451_01.jpg");
        Trees.touch(d.resolve("bounding_box_test"), "0002_c1s1_000460_01.jpg", "0000_c1s1_000000_01.jpg");
        List<String> market = List.of("reid.data.dataset=market1501", "reid.data.root=\"" + tmp + "\"");
        DataConfig read = DataConfig.from(ConfigLoader.load(market));
        assertEquals(DataConfig.TrainLabels.READ, read.trainLabels(), "labels are read by default");
        List<String> none = new java.util.ArrayList<>(market);
        none.add("reid.data.train-labels=none");
        DataConfig config = DataConfig.from(ConfigLoader.load(none));
        assertEquals(DataConfig.TrainLabels.NONE, config.trainLabels());
        assertEquals(DataConfig.TrainLabels.NONE, config.withLayout("csv", "elsewhere").trainLabels(), "kept by the synth layout");

        Manifest labelled = Catalogs.of(read).read(Trees.storage(), read.root());
        Manifest m = Catalogs.of(config).read(Trees.storage(), config.root());
        assertEquals("market1501", Catalogs.of(config).name());
        assertEquals(labelled.withoutTrainLabels(), m);
        assertEquals(3, m.train().size(), "the junk image is still dropped");
        assertFalse(m.trainLabeled());
        assertEquals(0, m.trainIdentities());
        for (Sample s : m.train()) assertEquals(Sample.unlabeled(s.uri(), s.camid()), s);
        assertEquals(labelled.query(), m.query());
        assertEquals(labelled.gallery(), m.gallery());

        ConfigError bad = assertThrows(ConfigError.class,
                () -> DataConfig.from(ConfigLoader.load(List.of("reid.data.train-labels=no"))));
        assertTrue(bad.getMessage().contains("reid.data.train-labels") && bad.getMessage().contains("none"), bad.getMessage());
    }
}
