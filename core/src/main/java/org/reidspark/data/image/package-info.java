/**
 * Images: decoding files of any storage into compact 8-bit {@link org.reidspark.data.image.RgbImage}s
 * ({@link org.reidspark.data.image.ImageDecoder}), bilinear resizing ({@link org.reidspark.data.image.Resize}),
 * normalization to NCHW float batches ({@link org.reidspark.data.image.Normalizer}), the
 * {@code reid.input} config and {@link org.reidspark.data.image.ImageSource}s batch loaders read from.
 */
package org.reidspark.data.image;
