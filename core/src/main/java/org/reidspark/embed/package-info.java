/**
 * Embedding test images: a method's {@link org.reidspark.embed.TestNetwork} (images to named test-feature arrays and
 * the matching rule; {@link org.reidspark.embed.EmbeddingNetwork} for one embedding output) run by the
 * {@link org.reidspark.embed.Embedder} with the evaluation preprocessing and optional flip averaging, in batches;
 * {@code reid.embed} is {@link org.reidspark.embed.EmbedConfig}.
 */
package org.reidspark.embed;
