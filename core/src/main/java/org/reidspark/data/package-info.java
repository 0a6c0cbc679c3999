/**
 * Data: {@link org.reidspark.data.Sample}s, the {@link org.reidspark.data.Manifest} of a dataset, and
 * {@link org.reidspark.data.Catalog}s that read dataset layouts into manifests. Subpackages hold the
 * catalogs, the synthetic benchmark, image decoding and augmentation, identity sampling and batch loading;
 * {@link org.reidspark.data.Seeds} derives every data-side random stream from the run's seed. A training split is
 * labelled or, for training without identity labels ({@code reid.data.train-labels = none}), made of
 * {@link org.reidspark.data.Sample#unlabeled} samples.
 */
package org.reidspark.data;
