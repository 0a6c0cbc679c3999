/**
 * Backbones (image -> feature map): the ResNet family in torchvision's layout built into DL4J
 * {@code ComputationGraph}s ({@link org.reidspark.model.backbone.ResNet}), with a width multiplier and the last-stride
 * option, and the {@link org.reidspark.model.backbone.Backbones} switch from config names to layouts.
 */
package org.reidspark.model.backbone;
