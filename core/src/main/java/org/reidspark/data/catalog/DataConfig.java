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
 * @param trainLabels        {@code reid.data.train-labels}: whether the training split is read with its persons
 *                           ({@link TrainLabels#READ}) or without ({@link TrainLabels#NONE}: every training sample
 *                           {@link org.reidspark.data.Sample#unlabeled}, so nothing downstream can see who is who)
 */
public record DataConfig(String dataset, String root, Msmt17Catalog.Version msmt17Version, boolean msmt17ValIntoTrain,
                         PrccCatalog.QuerySet prccQuery, Split csvDefaultSplit, boolean csvAllowOutsideRoot,
                         TrainLabels trainLabels) {
    /** {@code reid.data.train-labels}. */
    public enum TrainLabels {
        /** The training split's persons as the dataset gives them (none where it gives none, e.g. a CSV's empty pids). */
        READ("read"),
        /** Every training sample's pid, label and clothes dropped as the dataset is read. */
        NONE("none");

        private final String key;

        TrainLabels(String key) {
            this.key = key;
        }

        /** The config value. */
        public String key() {
            return key;
        }
    }

    public DataConfig {
        Check.nonBlank("reid.data.dataset", dataset);
        Check.nonBlank("reid.data.root", root);
        if (trainLabels == null) throw new IllegalArgumentException("reid.data.train-labels: null");
    }

    /** With the training split's labels read ({@link TrainLabels#READ}). */
    public DataConfig(String dataset, String root, Msmt17Catalog.Version msmt17Version, boolean msmt17ValIntoTrain,
                      PrccCatalog.QuerySet prccQuery, Split csvDefaultSplit, boolean csvAllowOutsideRoot) {
        this(dataset, root, msmt17Version, msmt17ValIntoTrain, prccQuery, csvDefaultSplit, csvAllowOutsideRoot, TrainLabels.READ);
    }

    public static DataConfig from(Config c) {
        Config d = c.getConfig("reid.data");
        String version = Check.oneOf("reid.data.msmt17.version", d.getString("msmt17.version"), "v1", "v2");
        String query = Check.oneOf("reid.data.prcc.query", d.getString("prcc.query"),
                PrccCatalog.QuerySet.CLOTHES_CHANGING.key(), PrccCatalog.QuerySet.SAME_CLOTHES.key(),
                PrccCatalog.QuerySet.BOTH.key());
        String split = Check.oneOf("reid.data.csv.default-split", d.getString("csv.default-split"),
                "train", "query", "gallery");
        String labels = Check.oneOf("reid.data.train-labels", d.getString("train-labels"),
                TrainLabels.READ.key(), TrainLabels.NONE.key());
        return new DataConfig(d.getString("dataset"), d.getString("root"),
                Msmt17Catalog.Version.valueOf(version.toUpperCase(java.util.Locale.ROOT)),
                d.getBoolean("msmt17.val-into-train"), PrccCatalog.QuerySet.byKey(query),
                Split.valueOf(split.toUpperCase(java.util.Locale.ROOT)), d.getBoolean("csv.allow-outside-root"),
                TrainLabels.valueOf(labels.toUpperCase(java.util.Locale.ROOT)));
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
        return new DataConfig(name, newRoot, msmt17Version, msmt17ValIntoTrain, prccQuery, csvDefaultSplit, csvAllowOutsideRoot,
                trainLabels);
    }
}
