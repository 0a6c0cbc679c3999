package org.reidspark.data.catalog;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Split;

/**
 * {@code reid.data}: which dataset to read, from where, and the options of the layouts that have some.
 *
 * @param dataset            catalog name ({@link Catalogs#NAMES})
 * @param root               the dataset root: a local path or a Hadoop URI ({@code s3a://bucket/prefix}); for
 *                           {@code csv}, the CSV file or a folder holding {@code manifest.csv}
 * @param msmt17Version      MSMT17 release whose folder names to read
 * @param msmt17ValIntoTrain add MSMT17's {@code list_val.txt} images to the training split
 * @param prccQuery          which PRCC test camera is the query split
 * @param csvDefaultSplit    split of CSV rows with no split value
 * @param csvAllowOutsideRoot accept CSV rows whose path leaves the CSV's folder ({@code ..}, another absolute path,
 *                           another URI); refused by default
 */
public record DataConfig(String dataset, String root, Msmt17Catalog.Version msmt17Version, boolean msmt17ValIntoTrain,
                         PrccCatalog.QuerySet prccQuery, Split csvDefaultSplit, boolean csvAllowOutsideRoot) {
    public DataConfig {
        Check.nonBlank("reid.data.dataset", dataset);
        Check.nonBlank("reid.data.root", root);
    }

    public static DataConfig from(Config c) {
        Config d = c.getConfig("reid.data");
        String version = Check.oneOf("reid.data.msmt17.version", d.getString("msmt17.version"), "v1", "v2");
        String query = Check.oneOf("reid.data.prcc.query", d.getString("prcc.query"),
                PrccCatalog.QuerySet.CLOTHES_CHANGING.key(), PrccCatalog.QuerySet.SAME_CLOTHES.key(),
                PrccCatalog.QuerySet.BOTH.key());
        String split = Check.oneOf("reid.data.csv.default-split", d.getString("csv.default-split"),
                "train", "query", "gallery");
        return new DataConfig(d.getString("dataset"), d.getString("root"),
                Msmt17Catalog.Version.valueOf(version.toUpperCase(java.util.Locale.ROOT)),
                d.getBoolean("msmt17.val-into-train"), PrccCatalog.QuerySet.byKey(query),
                Split.valueOf(split.toUpperCase(java.util.Locale.ROOT)), d.getBoolean("csv.allow-outside-root"));
    }

    /** The reference defaults ({@code reference.conf}). */
    public static DataConfig reference() {
        return from(ConfigLoader.reference().resolve());
    }

    /** This config with another dataset name. */
    public DataConfig withDataset(String name) {
        return withLayout(name, root);
    }

    /** This config with another dataset name and root. */
    public DataConfig withLayout(String name, String newRoot) {
        return new DataConfig(name, newRoot, msmt17Version, msmt17ValIntoTrain, prccQuery, csvDefaultSplit, csvAllowOutsideRoot);
    }
}
