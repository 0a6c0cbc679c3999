/** Embedders: image -> L2-normalized vector with the evaluation preprocessing, in batches; {@link org.reidspark.embed.TrainedModel} reads a published run's inference network back. */
package org.reidspark.embed;
