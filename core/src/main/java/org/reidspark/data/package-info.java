/**
 * Data: {@link org.reidspark.data.Sample}s, the {@link org.reidspark.data.Manifest} of a dataset, and
 * {@link org.reidspark.data.Catalog}s that read dataset layouts into manifests. Subpackages hold the
 * catalogs, the synthetic benchmark, image decoding and augmentation, and identity sampling.
 */
package org.reidspark.data;
