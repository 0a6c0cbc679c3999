package org.reidspark.data.catalog;

import org.reidspark.config.Check;
import org.reidspark.data.Catalog;

import java.util.List;

/** Maps a dataset name ({@code reid.data.dataset}) to its catalog. */
public final class Catalogs {
    /** Every dataset name a catalog exists for. */
    public static final List<String> NAMES = List.of(Market1501Catalog.NAME, DukeMtmcCatalog.NAME, OccludedDukeCatalog.NAME);

    private Catalogs() {
    }

    public static Catalog byName(String name) {
        return switch (name) {
            case Market1501Catalog.NAME -> new Market1501Catalog();
            case DukeMtmcCatalog.NAME -> new DukeMtmcCatalog();
            case OccludedDukeCatalog.NAME -> new OccludedDukeCatalog();
            default -> throw Check.unknownName("dataset (reid.data.dataset)", name, NAMES);
        };
    }
}
