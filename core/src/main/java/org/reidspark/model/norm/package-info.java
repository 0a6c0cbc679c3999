/**
 * Normalization and padding layers written like the project's native layers (hand-written backward passes, gradient-checked in
 * double precision) for DG-Net's generator (https://arxiv.org/abs/1904.07223; official code
 * github.com/NVlabs/DG-Net, {@code networks.py}): {@link org.reidspark.model.norm.InstanceNorm} (the structure
 * encoder's {@code 'in'}), {@link org.reidspark.model.norm.AdaptiveInstanceNormVertex} (AdaIN: the decoder's residual
 * blocks, scales and shifts from the appearance code) and {@link org.reidspark.model.norm.MapLayerNorm} (the decoder's
 * {@code 'ln'}: per-sample mean and unbiased std over all values, per-channel affine), and
 * {@link org.reidspark.model.norm.ReflectionPad} (the {@code pad_type='reflect'} of every generator and discriminator
 * convolution).
 */
package org.reidspark.model.norm;
