package org.reidspark.data.catalog;

import org.reidspark.config.Check;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Catalog;
import org.reidspark.data.Manifest;

import java.io.IOException;

import java.util.List;

/** Maps a dataset name ({@code reid.data.dataset}) to its catalog. */
public final class Catalogs {
    /** Every dataset name a catalog exists for. */
    public static final List<String> NAMES = List.of(Market1501Catalog.NAME, DukeMtmcCatalog.NAME,
            OccludedDukeCatalog.NAME, Msmt17Catalog.NAME, LtccCatalog.NAME, PrccCatalog.NAME, CsvCatalog.NAME);

    private Catalogs() {
    }

    /**
     * The catalog {@code reid.data} names, with its layout options; with {@code reid.data.train-labels = none}, one
     * whose manifests have every training sample's person dropped ({@link Manifest#withoutTrainLabels}) before they
     * are returned.
     */
    public static Catalog of(DataConfig config) {
        Catalog layout = layout(config);
        if (config.trainLabels() == DataConfig.TrainLabels.READ) return layout;
        return new Catalog() {
            @Override
            public String name() {
                return layout.name();
            }

            @Override
            public Manifest read(Storage storage, String root) throws IOException {
                Manifest m = layout.read(storage, root).withoutTrainLabels();
                org.slf4j.LoggerFactory.getLogger(Catalogs.class).info("reid.data.train-labels = none: the {} training"
                        + " images of {} are read without their persons", m.train().size(), m.dataset());
                return m;
            }
        };
    }

    private static Catalog layout(DataConfig config) {
        return switch (config.dataset()) {
            case Market1501Catalog.NAME -> new Market1501Catalog();
            case DukeMtmcCatalog.NAME -> new DukeMtmcCatalog();
            case OccludedDukeCatalog.NAME -> new OccludedDukeCatalog();
            case Msmt17Catalog.NAME -> new Msmt17Catalog(config.msmt17Version(), config.msmt17ValIntoTrain());
            case LtccCatalog.NAME -> new LtccCatalog();
            case PrccCatalog.NAME -> new PrccCatalog(config.prccQuery());
            case CsvCatalog.NAME -> new CsvCatalog(config.csvDefaultSplit(), config.csvAllowOutsideRoot());
            default -> throw Check.unknownName("dataset (reid.data.dataset)", config.dataset(), NAMES);
        };
    }

    /** The catalog called {@code name}, with the reference defaults for the layout options. */
    public static Catalog byName(String name) {
        return of(DataConfig.reference().withDataset(name));
    }
}
