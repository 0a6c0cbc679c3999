/**
 * Catalogs: one per dataset layout (Market-1501, DukeMTMC-reID, Occluded-Duke, MSMT17, LTCC, PRCC, and a
 * CSV manifest for custom data), each reading a root on any Hadoop file system into a
 * {@link org.reidspark.data.Manifest} exactly as the reference codes (torchreid, CAL) read that layout;
 * {@link org.reidspark.data.catalog.Catalogs} maps config names to them. Catalogs read names and list files
 * only; images are decoded later.
 */
package org.reidspark.data.catalog;
