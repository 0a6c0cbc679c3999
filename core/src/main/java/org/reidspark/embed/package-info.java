/** Embedders: image -> L2-normalized vector with the evaluation preprocessing, in batches. */
package org.reidspark.embed;
